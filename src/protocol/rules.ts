import * as z from 'zod/mini';
import '../zod-messages.ts';

/**
 * rules.json: what the host hands the helper on the config device. It replaces
 * snf-image's shell-sourced `rules` file with the same content: `env` holds the
 * SNF_IMAGE_* values by name without the prefix (HOSTNAME, TYPE, PASSWD,
 * PROPERTIES, INST_PROPERTIES, PERSONALITY, AUTH_KEYS, CLOUD_USERDATA,
 * OS_PRODUCT_KEY, DHCP_TAGS, STATEFUL_DHCPV6_TAGS, STATELESS_DHCPV6_TAGS,
 * DEFAULT_NIC_CONFIG, CLOUD_INIT_DEBUG, and every NIC_* value), `devices` the
 * instance disks as the helper sees them (snf-image's SNF_IMAGE_DEV array),
 * and `forcedProperties` the image properties the host decided (OSFAMILY and
 * ROOT_PARTITION for extdump/ntfsdump, IGNORE_UNATTEND with os_answer_file),
 * which img_properties and inst_properties override per key.
 */
export const RULES_VERSION = 1;

export const rulesSchema = z.object({
  version: z.literal(RULES_VERSION),
  env: z.record(z.string().check(z.regex(/^[A-Z][A-Z0-9_]*$/)), z.string()),
  devices: z.array(z.string().check(z.startsWith('/dev/'))).check(z.minLength(1)),
  forcedProperties: z._default(z.record(z.string(), z.string()), {}),
});

export type Rules = z.infer<typeof rulesSchema>;

/** Values of `env` that are secrets: they are wrapped on reading and never logged or traced. */
export const SECRET_RULE_VALUES: readonly string[] = ['PASSWD', 'PASSWD_HASH', 'AUTH_KEYS', 'CLOUD_USERDATA', 'PERSONALITY', 'OS_PRODUCT_KEY'];

/**
 * File names on the config device. `host-keys/` holds SSH host keys the host
 * made (ssh_host_<type>_key and .pub): key generation is native on the host,
 * and tens of times slower inside a helper VM without KVM.
 */
export const CONFIG_DEVICE_FILES = { rules: 'rules.json', unattend: 'unattend.xml', sysprepInf: 'sysprep.inf', hostKeys: 'host-keys' } as const;

/**
 * Where the helper VM's init (helper-image/init) mounts the config device,
 * read-only, before it starts the helper program: busybox's mount in the
 * initrd costs a few milliseconds where the program's own would cost half a
 * second of process start under TCG.
 */
export const CONFIG_DEVICE_MOUNTPOINT = '/run/snf-image/config';

/** The key types the host prepares, named as ssh-keygen -t takes them. */
export const PREPARED_HOST_KEY_TYPES = ['rsa', 'ecdsa', 'ed25519'] as const;
