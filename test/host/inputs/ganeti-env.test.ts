import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DiskNotFoundError,
  InvalidDiskCountError,
  MissingEnvironmentVariableError,
  OsApiVersionError,
  readGanetiInstance,
  UnsupportedHypervisorError,
} from '../../../src/host/inputs/ganeti-env.ts';
import type { InputFiles } from '../../../src/host/inputs/input-files.ts';
import { createEnv, DISK_0_PATH, kvmCreateEnv, noNicsCreateEnv, withEnv } from './ganeti-fixtures.ts';
import { memoryFiles } from './memory-files.ts';

const fileDisk = memoryFiles({}, { [DISK_0_PATH]: 'file' });

async function rejectsWith(env: Record<string, string>, type: new (...args: never[]) => Error, message: string, files: InputFiles = fileDisk): Promise<void> {
  await assert.rejects(readGanetiInstance(env, files), (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  });
}

describe('Ganeti OS API 20 environment', () => {
  it('reads the instance from a create on a file disk, as Ganeti 3.0.2 calls it', async () => {
    const instance = await readGanetiInstance(createEnv, fileDisk);
    assert.equal(instance.name, 'inst1.example');
    assert.equal(instance.hypervisor, 'fake');
    assert.equal(instance.variant, 'default');
    assert.equal(instance.reinstall, false);
    assert.deepEqual(instance.disks, [{ index: 0, target: DISK_0_PATH, kind: 'file', sizeMiB: 1024 }]);
    assert.equal(instance.diskType, 'paravirtual');
    assert.deepEqual(instance.hvParams, { migration_mode: 'live' });
    assert.equal(instance.beParams.maxmem, '128');
    assert.deepEqual(instance.nics, {
      NIC_0_IP: '10.99.0.10',
      NIC_0_MAC: 'aa:00:00:ca:6a:14',
      NIC_0_MODE: 'routed',
      NIC_0_UUID: '3fe574cf-d131-43b7-afc7-6aa2b05b7348',
      NIC_COUNT: '1',
    });
  });

  it('reads the lower-case kvm hvparams as Ganeti sends them', async () => {
    const instance = await readGanetiInstance(withEnv(kvmCreateEnv, { INSTANCE_HV_machine_version: 'pc-i440fx-7.2' }), fileDisk);
    assert.equal(instance.hypervisor, 'kvm');
    assert.equal(instance.hvParams.disk_type, 'paravirtual');
    assert.equal(instance.hvParams.kvm_path, '/usr/bin/kvm');
    assert.equal(instance.hvParams.machine_version, 'pc-i440fx-7.2');
    assert.equal(instance.nics.NIC_0_FRONTEND_TYPE, 'paravirtual');
  });

  it("attaches disks to the helper after the instance's KVM disk_type", async () => {
    const diskType = async (value: string, hypervisor = 'kvm') =>
      (await readGanetiInstance(withEnv(kvmCreateEnv, { INSTANCE_HV_disk_type: value, HYPERVISOR: hypervisor }), fileDisk)).diskType;
    assert.equal(await diskType('paravirtual'), 'paravirtual');
    assert.equal(await diskType('scsi'), 'scsi-hd');
    assert.equal(await diskType('scsi-hd'), 'scsi-hd');
    assert.equal(await diskType('scsi-block'), 'scsi-block');
    assert.equal(await diskType('scsi-generic'), 'scsi-generic');
    assert.equal(await diskType('ide'), 'paravirtual');
    assert.equal(await diskType('scsi', 'xen-hvm'), 'paravirtual');
  });

  it('keeps NIC_COUNT=0 and nothing else when the instance has no NICs', async () => {
    assert.deepEqual((await readGanetiInstance(noNicsCreateEnv, fileDisk)).nics, { NIC_COUNT: '0' });
  });

  it('notices a reinstall', async () => {
    assert.equal((await readGanetiInstance(withEnv(createEnv, { INSTANCE_REINSTALL: '1' }), fileDisk)).reinstall, true);
  });

  it('uses a block device path as it is', async () => {
    const env = withEnv(createEnv, { DISK_0_PATH: '/dev/drbd0' });
    const instance = await readGanetiInstance(env, memoryFiles({}, { '/dev/drbd0': 'block-device' }));
    assert.deepEqual(instance.disks[0], { index: 0, target: '/dev/drbd0', kind: 'block-device', sizeMiB: 1024 });
  });

  it('replaces a DISK_n_PATH that is neither a block device nor a file by DISK_n_URI', async () => {
    const env = withEnv(createEnv, { DISK_0_PATH: '/var/run/ganeti/instance-disks/inst1.example:0', DISK_0_URI: 'rbd:rbd/disk0' });
    const instance = await readGanetiInstance(env, memoryFiles());
    assert.deepEqual(instance.disks[0], { index: 0, target: 'rbd:rbd/disk0', kind: 'uri', sizeMiB: 1024 });
  });

  it('reads every disk of DISK_COUNT', async () => {
    const env = withEnv(createEnv, { DISK_COUNT: '2', DISK_1_PATH: '/dev/vg/disk1', DISK_1_SIZE: '2048' });
    const files = memoryFiles({}, { [DISK_0_PATH]: 'file', '/dev/vg/disk1': 'block-device' });
    const instance = await readGanetiInstance(env, files);
    assert.deepEqual(
      instance.disks.map((d) => [d.index, d.target, d.kind, d.sizeMiB]),
      [
        [0, DISK_0_PATH, 'file', 1024],
        [1, '/dev/vg/disk1', 'block-device', 2048],
      ],
    );
  });

  it('refuses a disk path that leads nowhere when there is no URI either', async () => {
    await rejectsWith(
      createEnv,
      DiskNotFoundError,
      `DISK_0_PATH "${DISK_0_PATH}" is missing (a block device or a regular file is needed) and DISK_0_URI is not set either: check that the instance's disks are active (gnt-instance activate-disks)`,
      memoryFiles(),
    );
    await rejectsWith(
      withEnv(createEnv, { DISK_0_PATH: '/srv' }),
      DiskNotFoundError,
      `DISK_0_PATH "/srv" is a directory (a block device or a regular file is needed) and DISK_0_URI is not set either: check that the instance's disks are active (gnt-instance activate-disks)`,
      memoryFiles({}, { '/srv': 'directory' }),
    );
    await rejectsWith(
      withEnv(createEnv, { DISK_0_PATH: undefined }),
      DiskNotFoundError,
      `DISK_0_PATH is not set and DISK_0_URI is not set either: check that the instance's disks are active (gnt-instance activate-disks)`,
    );
  });

  it('requires OS API version 20', async () => {
    await rejectsWith(
      withEnv(createEnv, { OS_API_VERSION: '15' }),
      OsApiVersionError,
      `OS_API_VERSION "15" is not supported: snf-image implements Ganeti's OS API version 20; run it from Ganeti, or set OS_API_VERSION=20 when calling it by hand`,
    );
    await rejectsWith(
      withEnv(createEnv, { OS_API_VERSION: undefined }),
      OsApiVersionError,
      `OS_API_VERSION is not set: snf-image implements Ganeti's OS API version 20; run it from Ganeti, or set OS_API_VERSION=20 when calling it by hand`,
    );
  });

  for (const variable of ['INSTANCE_NAME', 'HYPERVISOR', 'DISK_COUNT']) {
    it(`requires ${variable}`, async () => {
      const message = `${variable} is not set or empty: Ganeti sets it for every create; when calling the script by hand, set it as ganeti-os-interface(7) describes`;
      await rejectsWith(withEnv(createEnv, { [variable]: undefined }), MissingEnvironmentVariableError, message);
      await rejectsWith(withEnv(createEnv, { [variable]: '' }), MissingEnvironmentVariableError, message);
    });
  }

  it('refuses a hypervisor it cannot deploy for', async () => {
    await rejectsWith(
      withEnv(createEnv, { HYPERVISOR: 'lxc' }),
      UnsupportedHypervisorError,
      'HYPERVISOR "lxc" is not supported: snf-image deploys instances of the kvm, xen-hvm, xen-pvm, fake hypervisors',
    );
  });

  it('refuses a DISK_COUNT that is not a positive number', async () => {
    for (const count of ['0', 'two', '-1']) {
      await rejectsWith(
        withEnv(createEnv, { DISK_COUNT: count }),
        InvalidDiskCountError,
        `DISK_COUNT "${count}" is not valid: the instance needs at least one disk to deploy the image onto (diskless instances cannot be deployed)`,
      );
    }
  });
});
