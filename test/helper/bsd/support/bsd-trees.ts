import type { LabelFlavour } from '../../../../src/helper/bsd/disklabel.ts';

/**
 * The files of a fresh FreeBSD 14, OpenBSD 7.5 and NetBSD 10 install that the
 * tasks read or write, from those systems' defaults: accounts, rc.conf,
 * myname, sshd and its host keys, the fstab.
 */
const SSHD_CONFIG = `#	$OpenBSD: sshd_config,v 1.104 2021/07/02 05:11:21 dtucker Exp $
#HostKey /etc/ssh/ssh_host_rsa_key
#HostKey /etc/ssh/ssh_host_ecdsa_key
#HostKey /etc/ssh/ssh_host_ed25519_key
AuthorizedKeysFile	.ssh/authorized_keys
Subsystem	sftp	/usr/libexec/sftp-server
`;
const HOST_KEY = '-----BEGIN OPENSSH PRIVATE KEY-----\nimage host key\n-----END OPENSSH PRIVATE KEY-----\n';
const HOST_KEY_PUB = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIImageHostKeyImageHostKeyImageHostKeyImage root@image\n';

const common = (passwd: string, master: string, group: string) => ({
  '/etc/passwd': passwd,
  '/etc/master.passwd': master,
  '/etc/group': group,
  '/etc/ssh/sshd_config': SSHD_CONFIG,
  '/etc/ssh/ssh_host_ed25519_key': HOST_KEY,
  '/etc/ssh/ssh_host_ed25519_key.pub': HOST_KEY_PUB,
  '/root/.profile': 'PATH=/sbin:/bin:/usr/sbin:/usr/bin\n',
});

export const BSD_TREES: Record<LabelFlavour, Record<string, string>> = {
  freebsd: {
    ...common(
      'root:*:0:0:Charlie &:/root:/bin/sh\ntoor:*:0:0:Bourne-again Superuser:/root:\ndaemon:*:1:1:Owner of many system processes:/root:/usr/sbin/nologin\n',
      'root:$6$image$imagehash:0:0::0:0:Charlie &:/root:/bin/sh\ntoor:*:0:0::0:0:Bourne-again Superuser:/root:\ndaemon:*:1:1::0:0:Owner of many system processes:/root:/usr/sbin/nologin\n',
      'wheel:*:0:root\ndaemon:*:1:\n',
    ),
    '/etc/freebsd-update.conf': 'KeyPrint 800651ef4b4c71c27e60786d7b487188970f4b4169cc055784e21eb71d410cc5\n',
    '/etc/rc.conf': 'hostname="freebsd"\nifconfig_vtnet0="DHCP"\nsshd_enable="YES"\ndumpdev="AUTO"\n',
    '/etc/fstab': '# Device\tMountpoint\tFStype\tOptions\tDump\tPass#\n/dev/gpt/rootfs\t/\tufs\trw\t1\t1\n',
  },
  openbsd: {
    ...common(
      'root:*:0:0:Charlie &:/root:/bin/ksh\ndaemon:*:1:1:The devil himself:/root:/sbin/nologin\n',
      'root:$2b$10$imageimageimageimageimOimagehashimagehashimagehash:0:0:daemon:0:0:Charlie &:/root:/bin/ksh\ndaemon:*:1:1::0:0:The devil himself:/root:/sbin/nologin\n',
      'wheel:*:0:root\ndaemon:*:1:daemon\n',
    ),
    '/etc/motd': 'OpenBSD 7.5 (GENERIC) #82: Wed Mar 20 15:48:40 MDT 2024\n',
    '/etc/myname': 'openbsd.my.domain\n',
    '/etc/fstab': '0123456789abcdef.a / ffs rw,wxallowed 1 1\n',
  },
  netbsd: {
    ...common(
      'root:*:0:0:Charlie &:/root:/bin/sh\ntoor:*:0:0:Bourne-again Superuser:/root:/bin/sh\n',
      'root:$sha1$21773$image$imagehashimagehashimagehashim:0:0::0:0:Charlie &:/root:/bin/sh\ntoor:*:0:0::0:0:Bourne-again Superuser:/root:/bin/sh\n',
      'wheel:*:0:root\noperator:*:5:root\n',
    ),
    '/etc/release': 'NetBSD 10.0/amd64\n',
    '/etc/myname': 'netbsd\n',
    '/etc/rc.conf': 'if [ -r /etc/defaults/rc.conf ]; then\n\t. /etc/defaults/rc.conf\nfi\nrc_configured=YES\nhostname=netbsd\nsshd=YES\n',
    '/etc/rc.local': '# This file is (nearly) the last thing invoked by /etc/rc during a\n# normal boot, via /etc/rc.d/local.\n',
    '/etc/fstab': '/dev/dk0 / ffs rw,log 1 1\n',
  },
};
