import { CONFIG_FILE } from '../host/inputs/config-file.ts';

/**
 * The operator's files that install-os writes once, when missing: every
 * entry commented out, so the defaults apply until the operator chooses.
 */
export function configFileText(): string {
  return `# snf-image configuration, read by every snf-image script (${CONFIG_FILE}).
# NAME=value lines, as in a shell, but never run as a shell script: no $(...),
# no $VAR. Every entry below shows its default.
#
# OS parameter defaults may be set here too, under upper-case names
# (IMG_FORMAT=diskdump); a variant file and then Ganeti's -O values override them.

# The helper VM: its files, its limits, and who runs it.
#HELPER_DIR=/var/lib/snf-image/helper/
#HELPER_SOFT_TIMEOUT=120
#HELPER_HARD_TIMEOUT=5
#HELPER_USER=nobody
# yes: qemu runs under its seccomp sandbox (no fork or exec, no obsolete
# system calls, no scheduling changes) when it has one; no turns it off.
#HELPER_SANDBOX=yes
#HELPER_MEMORY=512
# yes: when the helper program fails, a root shell waits on the helper VM's
# ttyS3, a pty that the log names (screen /dev/pts/N); raise
# HELPER_SOFT_TIMEOUT to have time to use it.
#HELPER_DEBUG=no
# auto (KVM when the helper's kernel boots under it, TCG otherwise), kvm or tcg.
#HELPER_ACCEL=auto
# Seconds for the helper VM to show a sign of life under KVM; under auto a
# helper silent by then is started again under TCG, under kvm the create fails.
#HELPER_BOOT_TIMEOUT=60

# Program that receives the progress messages (JSON lines) on stdin and the
# instance name as its argument; empty sends them to the Ganeti log.
#PROGRESS_MONITOR=

# Network configuration of the guest.
#DHCP_TAGS="auto dhcp nfdhcpd"
#STATEFUL_DHCPV6_TAGS="dhcpv6 stateful_dhcpv6"
#STATELESS_DHCPV6_TAGS="nfdhcpd stateless_dhcpv6"
# What to do with a single NIC that has no IP: dhcp, dhcpv6, slaac, slaac_dhcp,
# dhcp+dhcpv6, dhcp+slaac, dhcp+slaac_dhcp, or empty to leave it alone.
#DEFAULT_NIC_CONFIG=dhcp

# Windows guests.
#WINDOWS_TIMEZONE="GMT Standard Time"

# Debugging. LOG_LEVEL is one of fatal, error, warn, info, debug, trace (empty:
# info); IMAGE_DEBUG=yes raises it to debug, which logs every step of the host
# (effect calls and state changes, secrets as ***) and the helper's own trace.
#LOG_LEVEL=
#IMAGE_DEBUG=no
#CLOUD_INIT_DEBUG=no

# Grow the partition and filesystem of disk 0, with the helper VM, when an
# export is imported onto a larger disk (gnt-backup import --disk 0:size=...).
#IMPORT_RESIZE=no

# Where the local back-end finds images (img_id=NAME).
#IMAGE_DIR=/var/lib/snf-image

# How http(s) images (img_id=URL), config_url and os_answer_file are fetched:
# what snf-image's CURL took as curl options. A proxy is http://HOST:PORT, http://USER:PASSWORD@HOST:PORT
# if it asks for them; https images go through HTTPS_PROXY in a CONNECT
# tunnel. NO_PROXY lists the hosts reached directly: names (each covers its
# subdomains), addresses, either with :PORT, or * for every host.
#HTTP_PROXY=
#HTTPS_PROXY=
#NO_PROXY=
# A PEM file of the certificate authorities an https server's certificate
# must be signed by, in place of the system's (curl's --cacert).
#CA_BUNDLE=

# Variants (-o snf-image+NAME read VARIANTS_DIR/NAME.conf).
#VARIANTS_DIR=/etc/ganeti/snf-image/variants
`;
}

export function defaultVariantText(): string {
  return `# The "default" variant of the snf-image OS definition (-o snf-image+default).
# NAME=value lines that override ${CONFIG_FILE} for instances of this
# variant: settings or OS parameter defaults, e.g.
#IMG_FORMAT=diskdump
`;
}

export function variantsListText(): string {
  return 'default\n';
}

/** The local back-end's own file, /etc/snf-image/backends/src/local.conf (src/host/backends/local-source-conf.ts). */
export function localSourceConfText(): string {
  return `# The local source back-end's configuration. Its IMAGE_DIR, when set,
# wins over the one in ${CONFIG_FILE}.
#IMAGE_DIR=/var/lib/snf-image
`;
}
