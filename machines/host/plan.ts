import type { Secret } from '../../src/effects/secret.ts';
import type { OsParameterName, SecretOsParameterName } from './os-parameter-names.ts';

/**
 * The vocabulary of a deployment plan: the values the validate effect turns
 * the Ganeti environment into and the other effects read. It lives beside
 * the machine so that the port can be typed without importing an adapter;
 * the adapters (src/host/inputs, helper-vm, backends, config-device) import
 * it from here.
 */

/** img_format: snf-image's three dumps and qcow2. */
export const IMAGE_FORMATS = ['diskdump', 'extdump', 'ntfsdump', 'qcow2'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** HELPER_ACCEL: `auto` probes KVM and falls back to TCG. */
export const HELPER_ACCELS = ['auto', 'kvm', 'tcg'] as const;
export type HelperAccel = (typeof HELPER_ACCELS)[number];

/** The machine types the helper boots on. microvm has no PCI bus and no floppy controller. */
export const MACHINE_TYPES = ['pc', 'q35', 'microvm'] as const;
export type MachineType = (typeof MACHINE_TYPES)[number];

/** How the helper VM attaches the instance disks (qemu device), after the instance's KVM disk_type. */
export type HelperDiskType = 'paravirtual' | 'scsi-hd' | 'scsi-block' | 'scsi-generic';

/** DEFAULT_NIC_CONFIG: how a NIC Ganeti gives no addressing for is configured. */
export const DEFAULT_NIC_CONFIGS = ['', 'dhcp', 'dhcpv6', 'slaac', 'slaac_dhcp', 'dhcp+dhcpv6', 'dhcp+slaac', 'dhcp+slaac_dhcp'] as const;
export type DefaultNicConfig = (typeof DEFAULT_NIC_CONFIGS)[number];

/**
 * The OS parameters after merging, with snf-image's distinction kept: a
 * parameter is absent when nobody set it, and present (possibly empty) when
 * someone did, even to an empty value. Secrets are Secret from the moment
 * they are read.
 */
export type OsParameters = {
  readonly [K in OsParameterName]?: K extends SecretOsParameterName ? Secret : string;
};

/** What the back-ends read from the configuration. */
export interface BackendsConfig {
  /** IMAGE_DIR: the directory local images are read from. */
  readonly imageDir: string;
  /**
   * Holds `src/NAME.priority`, `src/NAME.disabled`, `dst/NAME.priority` and
   * `dst/NAME.disabled`, as snf-image's CONFDIR/backends does.
   */
  readonly backendsConfigDir: string;
  /** Seconds a download may go without a byte before it fails (DEFAULT_DOWNLOAD_STALL_SECONDS unless given). */
  readonly downloadStallSeconds?: number;
  /** How http(s) downloads reach their servers and whom they trust; absent when none of its settings is set. */
  readonly http?: HttpSettings;
}

/** An HTTP proxy: its URL without credentials, and the user:password it is given in Proxy-Authorization. */
export interface HttpProxy {
  readonly url: string;
  readonly credentials?: Secret;
}

/** HTTP_PROXY, HTTPS_PROXY, NO_PROXY and CA_BUNDLE: what snf-image's CURL setting took as curl options. */
export interface HttpSettings {
  /** The proxy for http:// URLs. */
  readonly httpProxy?: HttpProxy;
  /** The proxy for https:// URLs, which it reaches through a CONNECT tunnel. */
  readonly httpsProxy?: HttpProxy;
  /** Hosts reached directly: names (a name covers its subdomains), addresses, either with :PORT, or `*` for all. */
  readonly noProxy: readonly string[];
  /** A PEM file of the certificate authorities https servers are checked against, in place of the system's. */
  readonly caBundle?: string;
}

/** What decides the accelerator, and what its probe boots: HELPER_ACCEL, QEMU, HELPER_MACHINE_TYPE, HELPER_DIR, HELPER_MEMORY. */
export interface AcceleratorQuestion {
  readonly setting: HelperAccel;
  /** QEMU: the program and its arguments. */
  readonly qemu: readonly string[];
  readonly machine: MachineType;
  readonly helperDir: string;
  readonly memoryMiB: number;
}

/** The part of the plan the config device is written from: rules.json, the answer file, UNATTEND, the host keys. */
export interface ConfigDeviceRequest {
  readonly instanceName: string;
  readonly image: { readonly id: string; readonly format: ImageFormat };
  /** All OS parameters after merging; absent = never set, '' = set to empty. */
  readonly parameters: OsParameters;
  /** Ganeti's NIC_* variables, as given. */
  readonly nics: Readonly<Record<string, string>>;
  readonly diskType: HelperDiskType;
  /** How many disks the helper sees, which names the device the config device gets. */
  readonly diskCount: number;
  /** How os_answer_file is fetched; absent when none of its settings is set. */
  readonly http?: HttpSettings;
  readonly config: {
    readonly HELPER_MACHINE_TYPE: MachineType;
    /** The UNATTEND file's path, when set. */
    readonly UNATTEND: string | undefined;
    readonly WINDOWS_TIMEZONE: string;
    readonly DHCP_TAGS: readonly string[];
    readonly STATEFUL_DHCPV6_TAGS: readonly string[];
    readonly STATELESS_DHCPV6_TAGS: readonly string[];
    readonly DEFAULT_NIC_CONFIG: DefaultNicConfig;
    readonly CLOUD_INIT_DEBUG: boolean;
  };
}
