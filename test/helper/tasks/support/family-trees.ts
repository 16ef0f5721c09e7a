import type { TreeSpec } from './guest-trees.ts';

/**
 * Guest trees of the other Linux families, written from those distributions'
 * default files: just what the tasks read (release markers, accounts, host
 * names, sshd and network settings).
 */

const PASSWD_BASE = 'root:x:0:0:root:/root:/bin/bash\nbin:x:1:1:bin:/bin:/sbin/nologin\ndaemon:x:2:2:daemon:/sbin:/sbin/nologin\n';
const GROUP_BASE = 'root:x:0:\nbin:x:1:\ndaemon:x:2:\nwheel:x:10:\n';
const SHADOW_BASE = 'root:!::0:99999:7:::\nbin:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n';
const SSHD_RHEL = `#	$OpenBSD: sshd_config,v 1.104 2021/07/02 05:11:21 dtucker Exp $
Include /etc/ssh/sshd_config.d/*.conf
#HostKey /etc/ssh/ssh_host_rsa_key
#HostKey /etc/ssh/ssh_host_ecdsa_key
#HostKey /etc/ssh/ssh_host_ed25519_key
AuthorizedKeysFile	.ssh/authorized_keys
Subsystem	sftp	/usr/libexec/openssh/sftp-server
`;

const HOSTS_DEFAULT = '127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n';

export const FAMILY_TREES = {
  /** CentOS 7: no /etc/hostname file until hostnamectl writes one; ifcfg network scripts. */
  redhat: {
    '/etc/redhat-release': 'CentOS Linux release 7.9.2009 (Core)\n',
    '/etc/os-release': 'NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n',
    '/etc/passwd': `${PASSWD_BASE}centos:x:1000:1000:Cloud User:/home/centos:/bin/bash\n`,
    '/root/': '/',
    '/etc/group': `${GROUP_BASE}centos:x:1000:\n`,
    '/etc/shadow': { text: `${SHADOW_BASE}centos:!!:19000:0:99999:7:::\n`, mode: 0o000 },
    '/etc/hosts': HOSTS_DEFAULT,
    '/etc/sysconfig/network': '# Created by anaconda\nNOZEROCONF=yes\n',
    '/etc/sysconfig/network-scripts/ifcfg-eth0': 'DEVICE="eth0"\nBOOTPROTO="dhcp"\nONBOOT="yes"\nTYPE="Ethernet"\n',
    '/etc/sysconfig/network-scripts/ifcfg-lo': 'DEVICE=lo\nIPADDR=127.0.0.1\nNETMASK=255.0.0.0\nONBOOT=yes\nNAME=loopback\n',
    '/etc/ssh/sshd_config': SSHD_RHEL,
    '/etc/ssh/ssh_host_rsa_key': { text: 'old private rsa key\n', mode: 0o640 },
    '/etc/ssh/ssh_host_rsa_key.pub': 'ssh-rsa AAAAold root@template\n',
    '/etc/machine-id': '0123456789abcdef0123456789abcdef\n',
    '/etc/fstab': 'UUID=6cd50e51-cfc6-40b9-9ec5-f32fa2e4ff02 /                       xfs     defaults        0 0\n',
    '/home/centos/': '/',
  },
  /** SLES 12: /etc/SuSE-release and /etc/HOSTNAME. */
  suse: {
    '/etc/fstab': 'UUID=0b9a2f7e-41d5-4bd8-a2a6-1f7e8d1c9a10  /  btrfs  defaults  0  0\n',
    '/etc/SuSE-release': 'SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 5\n',
    '/etc/os-release': 'NAME="SLES"\nVERSION="12-SP5"\nID="sles"\nID_LIKE="suse"\n',
    '/etc/passwd': PASSWD_BASE,
    '/root/': '/',
    '/etc/group': GROUP_BASE,
    '/etc/shadow': { text: SHADOW_BASE, mode: 0o640 },
    '/etc/HOSTNAME': 'linux.suse\n',
    '/etc/hosts': '127.0.0.1\tlocalhost\n::1\tlocalhost ipv6-localhost ipv6-loopback\n',
    '/etc/ssh/sshd_config': 'UsePAM yes\nX11Forwarding yes\nSubsystem\tsftp\t/usr/lib/ssh/sftp-server\n',
  },
  /** Slackware 14.2: /etc/HOSTNAME. */
  slackware: {
    '/etc/fstab': '/dev/sda1        /                ext4        defaults         1   1\nproc             /proc            proc        defaults         0   0\n',
    '/etc/slackware-version': 'Slackware 14.2\n',
    '/etc/passwd': PASSWD_BASE,
    '/root/': '/',
    '/etc/group': GROUP_BASE,
    '/etc/shadow': { text: SHADOW_BASE, mode: 0o600 },
    '/etc/HOSTNAME': 'darkstar.example.net\n',
    '/etc/hosts': '127.0.0.1\t\tlocalhost\n127.0.0.1\t\tdarkstar.example.net darkstar\n',
    '/etc/ssh/sshd_config': '#AuthorizedKeysFile\t.ssh/authorized_keys\nSubsystem\tsftp\t/usr/libexec/sftp-server\n',
  },
  /** Gentoo with OpenRC: hostname="..." in /etc/conf.d/hostname. */
  gentoo: {
    '/etc/fstab': '# /etc/fstab: static file system information.\nUUID=4f8d2c1e-9b7a-4c3d-8e2f-6a5b4c3d2e1f\t/\text4\tnoatime\t0 1\n',
    '/etc/gentoo-release': 'Gentoo Base System release 2.14\n',
    '/etc/passwd': PASSWD_BASE,
    '/root/': '/',
    '/etc/group': GROUP_BASE,
    '/etc/shadow': { text: SHADOW_BASE, mode: 0o640 },
    '/etc/conf.d/hostname': '# Hostname fallback if /etc/hostname does not exist\nhostname="localhost"\n',
    '/etc/hosts': '127.0.0.1\tlocalhost\n::1\t\tlocalhost\n',
    '/etc/ssh/sshd_config': 'AuthorizedKeysFile\t.ssh/authorized_keys .ssh/authorized_keys2\nSubsystem\tsftp\t/usr/lib64/misc/sftp-server\n',
  },
  /** Arch before systemd: HOSTNAME= in /etc/rc.conf and the name on the 127.0.0.1 line. */
  arch: {
    '/etc/fstab': '# Static information about the filesystems.\n# <file system>\t<dir>\t<type>\t<options>\t<dump>\t<pass>\nUUID=7c1e5d2a-3b4f-4e6a-9d8c-2b1a0f9e8d7c\t/\text4\trw,relatime\t0 1\n',
    '/etc/arch-release': '',
    '/etc/passwd': PASSWD_BASE,
    '/root/': '/',
    '/etc/group': GROUP_BASE,
    '/etc/shadow': { text: SHADOW_BASE, mode: 0o600 },
    '/etc/rc.conf': 'LOCALE="en_US.UTF-8"\nHOSTNAME="myhost"\nDAEMONS=(syslog-ng network crond sshd)\n',
    '/etc/hosts': '#<ip-address>\t<hostname.domain.org>\t<hostname>\n127.0.0.1\tlocalhost.localdomain\tlocalhost myhost\n::1\tlocalhost.localdomain\tlocalhost\n',
    '/etc/ssh/sshd_config': 'AuthorizedKeysFile\t.ssh/authorized_keys\nUsePAM yes\n',
    '/etc/systemd/system/multi-user.target.wants/systemd-networkd.service': { symlink: '/usr/lib/systemd/system/systemd-networkd.service' },
  },
  /** Container Linux: /etc/coreos, no sshd_config under /etc, keys by Ignition. */
  coreos: {
    '/etc/coreos/': '/',
    '/etc/os-release': { symlink: '../usr/lib/os-release' },
    '/usr/lib/os-release': 'NAME="Container Linux by CoreOS"\nID=coreos\nVERSION=2512.3.0\n',
    '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\ncore:x:500:500:CoreOS Admin:/home/core:/bin/bash\n',
    '/root/': '/',
    '/etc/group': 'root:x:0:\ncore:x:500:\n',
    '/etc/shadow': { text: 'root:*:15887:0:::::\ncore:*:15887:0:::::\n', mode: 0o640 },
    '/etc/machine-id': '',
    '/home/core/': '/',
  },
} satisfies Record<string, TreeSpec>;

export type Family = keyof typeof FAMILY_TREES;
export const FAMILIES = Object.keys(FAMILY_TREES) as Family[];
