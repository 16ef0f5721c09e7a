import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfigFiles } from '../../../src/host/inputs/config-file.ts';
import {
  checkUnattendFile,
  configuredLogLevel,
  InvalidSettingError,
  resolveSettings,
  UnattendFileMissingError,
  type EffectiveConfig,
} from '../../../src/host/inputs/settings.ts';
import { memoryFiles } from './memory-files.ts';

const FILE = '/etc/snf-image/snf-image.conf';

async function settings(text: string): Promise<{ config: EffectiveConfig; warnings: string[] }> {
  const warnings: string[] = [];
  const config = resolveSettings(await readConfigFiles([FILE], memoryFiles({ [FILE]: text })), warnings);
  return { config, warnings };
}

async function invalid(text: string, message: string): Promise<void> {
  await assert.rejects(settings(text), (error: unknown) => {
    assert.ok(error instanceof InvalidSettingError);
    assert.equal(error.message, message);
    return true;
  });
}

describe('settings', () => {
  it("has snf-image's defaults and ours when nothing is configured", async () => {
    const { config, warnings } = await settings('');
    assert.deepEqual(warnings, []);
    assert.deepEqual(config, {
      HELPER_DIR: '/var/lib/snf-image/helper/',
      HELPER_BOOT_TIMEOUT: 60,
      HELPER_SOFT_TIMEOUT: 120,
      HELPER_HARD_TIMEOUT: 5,
      HELPER_USER: 'nobody',
      HELPER_SANDBOX: true,
      HELPER_MEMORY: 512,
      HELPER_DEBUG: false,
      HELPER_ACCEL: 'auto',
      HELPER_MACHINE_TYPE: 'microvm',
      PROGRESS_MONITOR: undefined,
      DHCP_TAGS: ['auto', 'dhcp', 'nfdhcpd'],
      STATEFUL_DHCPV6_TAGS: ['dhcpv6', 'stateful_dhcpv6'],
      STATELESS_DHCPV6_TAGS: ['nfdhcpd', 'stateless_dhcpv6'],
      DEFAULT_NIC_CONFIG: 'dhcp',
      UNATTEND: undefined,
      WINDOWS_TIMEZONE: 'GMT Standard Time',
      IMAGE_DEBUG: false,
      LOG_LEVEL: undefined,
      CLOUD_INIT_DEBUG: false,
      VARIANTS_DIR: '/etc/ganeti/snf-image/variants',
      VARIANTS_LIST: '/etc/ganeti/snf-image/variants.list',
      IMAGE_DIR: '/var/lib/snf-image',
      IMPORT_RESIZE: false,
      TRACE_DIR: '/var/log/snf-image/traces',
      TRACE_MAX_AGE: 2592000,
      HTTP_PROXY: undefined,
      HTTPS_PROXY: undefined,
      NO_PROXY: [],
      CA_BUNDLE: undefined,
      CONFIG_URL_TIMEOUT: 60,
      DOWNLOAD_STALL_TIMEOUT: 60,
      QEMU: ['qemu-system-x86_64'],
      QEMU_NBD: ['qemu-nbd'],
      LOSETUP: ['losetup'],
      BLOCKDEV: ['blockdev'],
      DD: ['dd'],
      PARTED: ['parted'],
      CURL: ['curl', '-fL'],
      TAR: ['tar'],
      MD5SUM: ['md5sum'],
    });
  });

  it('types configured values: durations in seconds, MiB, booleans, word lists, programs with arguments', async () => {
    const { config } = await settings(
      [
        'HELPER_SOFT_TIMEOUT=5m',
        'HELPER_HARD_TIMEOUT=1.5',
        'HELPER_MEMORY=1024',
        'HELPER_DEBUG=yes',
        'HELPER_ACCEL=tcg',
        'HELPER_MACHINE_TYPE=q35',
        'PROGRESS_MONITOR="/usr/bin/snf-progress-monitor --verbose"',
        'DHCP_TAGS="  dhcp   nfdhcpd "',
        'CURL="curl  -fL"',
        'TRACE_DIR=/srv/traces',
      ].join('\n'),
    );
    assert.equal(config.HELPER_SOFT_TIMEOUT, 300);
    assert.equal(config.HELPER_HARD_TIMEOUT, 1.5);
    assert.equal(config.HELPER_MEMORY, 1024);
    assert.equal(config.HELPER_DEBUG, true);
    assert.equal(config.HELPER_ACCEL, 'tcg');
    assert.equal(config.HELPER_MACHINE_TYPE, 'q35');
    assert.deepEqual(config.PROGRESS_MONITOR, ['/usr/bin/snf-progress-monitor', '--verbose']);
    assert.deepEqual(config.DHCP_TAGS, ['dhcp', 'nfdhcpd']);
    assert.deepEqual(config.CURL, ['curl', '-fL']);
    assert.equal(config.TRACE_DIR, '/srv/traces');
  });

  it('accepts every timeout suffix GNU timeout accepts', async () => {
    const { config } = await settings('HELPER_SOFT_TIMEOUT=2h\nHELPER_HARD_TIMEOUT=1d\nCONFIG_URL_TIMEOUT=30s\nHELPER_BOOT_TIMEOUT=1.5m\n');
    assert.deepEqual([config.HELPER_SOFT_TIMEOUT, config.HELPER_HARD_TIMEOUT, config.CONFIG_URL_TIMEOUT, config.HELPER_BOOT_TIMEOUT], [7200, 86400, 30, 90]);
  });

  it('takes an empty value as the default, like : ${VAR:=default}', async () => {
    const { config } = await settings('HELPER_MEMORY=\nHELPER_DIR=""\n');
    assert.equal(config.HELPER_MEMORY, 512);
    assert.equal(config.HELPER_DIR, '/var/lib/snf-image/helper/');
  });

  it('refuses a timeout that is not a duration, naming the file and line', async () => {
    await invalid(
      'HELPER_SOFT_TIMEOUT="2 minutes"\n',
      `HELPER_SOFT_TIMEOUT "2 minutes" (set in ${FILE} line 1) is not valid: use a number of seconds, or a number followed by s, m, h or d (120, 5m, 1.5h).`,
    );
  });

  it('takes the proxies apart from their credentials, which stay secret', async () => {
    const { config } = await settings('HTTP_PROXY=http://squid.example:3128\nHTTPS_PROXY=http://ops:s%40cret@squid.example:3128/\nNO_PROXY="images.example, 10.0.0.5:8080 .lan"\nCA_BUNDLE=/etc/ssl/ours.pem\n');
    assert.deepEqual(config.HTTP_PROXY, { url: 'http://squid.example:3128' });
    assert.equal(config.HTTPS_PROXY?.url, 'http://squid.example:3128');
    assert.equal(config.HTTPS_PROXY?.credentials?.reveal(), 'ops:s@cret');
    assert.doesNotMatch(JSON.stringify(config), /cret/, 'the password never reaches a trace');
    assert.deepEqual(config.NO_PROXY, ['images.example', '10.0.0.5:8080', '.lan']);
    assert.equal(config.CA_BUNDLE, '/etc/ssl/ours.pem');
  });

  it('refuses a proxy that is not an http:// URL without showing its password', async () => {
    await invalid(
      'HTTPS_PROXY=https://ops:s3cret@squid.example:3128\n',
      `HTTPS_PROXY (set in ${FILE} line 1) is not valid: use http://HOST:PORT, with USER:PASSWORD@ before HOST if the proxy asks for them (an https:// proxy is not supported).`,
    );
    await invalid('HTTP_PROXY=squid.example:3128\n', `HTTP_PROXY (set in ${FILE} line 1) is not valid: use http://HOST:PORT, with USER:PASSWORD@ before HOST if the proxy asks for them (an https:// proxy is not supported).`);
  });

  it('refuses a zero timeout, which would turn the timeout off', async () => {
    await invalid('\nHELPER_HARD_TIMEOUT=0\n', `HELPER_HARD_TIMEOUT "0" (set in ${FILE} line 2) is not valid: use a duration longer than zero.`);
  });

  it('refuses helper memory that is not a whole number of MiB', async () => {
    await invalid(
      'CURL="curl -k"\n',
      `CURL "curl -k" (set in ${FILE} line 1) cannot take effect: http(s) images, config_url and os_answer_file are fetched by snf-image itself, not by curl, so curl options cannot apply; for a proxy set HTTP_PROXY, HTTPS_PROXY and NO_PROXY, and for your own certificate authority CA_BUNDLE (a PEM file). Remove it from the configuration.`,
    );
    await invalid('QEMU_NBD=/opt/qemu/bin/qemu-nbd\n', `QEMU_NBD "/opt/qemu/bin/qemu-nbd" (set in ${FILE} line 1) cannot take effect: a URI disk is attached with the qemu-nbd found on PATH. Remove it from the configuration.`);
    await invalid('LOG_LEVEL=verbose\n', `LOG_LEVEL "verbose" (set in ${FILE} line 1) is not valid: use one of fatal, error, warn, info, debug, trace.`);
    await invalid('HELPER_MEMORY=1G\n', `HELPER_MEMORY "1G" (set in ${FILE} line 1) is not valid: use a whole number of MiB, e.g. 512.`);
  });

  it('refuses an unknown HELPER_ACCEL', async () => {
    await invalid('HELPER_ACCEL=hvf\n', `HELPER_ACCEL "hvf" (set in ${FILE} line 1) is not valid: use auto (KVM when it works, TCG otherwise), kvm or tcg.`);
  });

  it('refuses an invalid DEFAULT_NIC_CONFIG, listing the valid values', async () => {
    await invalid(
      'DEFAULT_NIC_CONFIG=static\n',
      `DEFAULT_NIC_CONFIG "static" (set in ${FILE} line 1) is not valid: use one of dhcp, dhcpv6, slaac, slaac_dhcp, dhcp+dhcpv6, dhcp+slaac, dhcp+slaac_dhcp, or an empty value to leave the default NIC unconfigured.`,
    );
  });

  it('takes an empty DEFAULT_NIC_CONFIG as "leave the default NIC unconfigured", not as the default', async () => {
    assert.equal((await settings('DEFAULT_NIC_CONFIG=\n')).config.DEFAULT_NIC_CONFIG, '');
    assert.equal((await settings('DEFAULT_NIC_CONFIG=dhcp+slaac_dhcp\n')).config.DEFAULT_NIC_CONFIG, 'dhcp+slaac_dhcp');
  });

  it('warns about yes/no settings that are neither, and takes them as no', async () => {
    const { config, warnings } = await settings('IMAGE_DEBUG=true\nCLOUD_INIT_DEBUG=Yes\nHELPER_DEBUG=no\n');
    assert.equal(config.IMAGE_DEBUG, false);
    assert.equal(config.CLOUD_INIT_DEBUG, false);
    assert.deepEqual(warnings, [
      `IMAGE_DEBUG "true" (set in ${FILE} line 1) is neither yes nor no; taking it as no.`,
      `CLOUD_INIT_DEBUG "Yes" (set in ${FILE} line 2) is neither yes nor no; taking it as no.`,
    ]);
  });

  it('warns about names it does not know, which are most often typing mistakes', async () => {
    const { warnings } = await settings('HELPER_MEMROY=1024\nAWK=gawk\nIMG_FORMAT=diskdump\n');
    assert.deepEqual(warnings, [`HELPER_MEMROY (set in ${FILE} line 1) is not a setting snf-image knows; it is ignored. Check its spelling.`]);
  });

  it('warns that VERSION_CHECK is deprecated, as snf-image does', async () => {
    const { warnings } = await settings('VERSION_CHECK=yes\n');
    assert.deepEqual(warnings, [`VERSION_CHECK (set in ${FILE} line 1) is deprecated since snf-image 0.22 and has no effect; remove it.`]);
  });

  it("takes snf-image's KVM as the helper's qemu when QEMU is not set, with a warning", async () => {
    const legacy = await settings('KVM=/usr/bin/kvm\n');
    assert.deepEqual(legacy.config.QEMU, ['/usr/bin/kvm']);
    assert.deepEqual(legacy.warnings, [
      `KVM "/usr/bin/kvm" (set in ${FILE} line 1) is snf-image's name for the helper's qemu; use QEMU instead (it is taken as QEMU for now).`,
    ]);
    const both = await settings('KVM=/usr/bin/kvm\nQEMU=/opt/qemu/bin/qemu-system-x86_64\n');
    assert.deepEqual(both.config.QEMU, ['/opt/qemu/bin/qemu-system-x86_64']);
    assert.deepEqual(both.warnings, []);
  });

  it('refuses an UNATTEND file that does not exist', async () => {
    const { config } = await settings('UNATTEND=/etc/snf-image/unattend.xml\n');
    await assert.rejects(checkUnattendFile(config, memoryFiles()), (error: unknown) => {
      assert.ok(error instanceof UnattendFileMissingError);
      assert.equal(
        error.message,
        'UNATTEND names /etc/snf-image/unattend.xml, which is not a file: create it, or remove UNATTEND from the configuration (it is deprecated; use the os_answer_file OS parameter)',
      );
      return true;
    });
    await checkUnattendFile(config, memoryFiles({ '/etc/snf-image/unattend.xml': '<unattend/>' }));
  });

  it('takes the log level from LOG_LEVEL, raised to debug by IMAGE_DEBUG=yes', async () => {
    assert.equal(configuredLogLevel((await settings('')).config), undefined);
    assert.equal(configuredLogLevel((await settings('LOG_LEVEL=warn\n')).config), 'warn');
    assert.equal(configuredLogLevel((await settings('LOG_LEVEL=warn\nIMAGE_DEBUG=yes\n')).config), 'debug');
    assert.equal(configuredLogLevel((await settings('LOG_LEVEL=trace\nIMAGE_DEBUG=yes\n')).config), 'trace');
  });
});
