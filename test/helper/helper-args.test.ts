import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHelperArgs, parseKernelCommandLine } from '../../src/helper/helper-args.ts';

describe('helper arguments', () => {
  it('reads a test run: rules directory, loop disks, files for the channels and the trace', () => {
    assert.deepEqual(
      parseHelperArgs(['--rules-dir', '/tmp/c', '--disk', '/dev/loop3', '--disk', '/dev/loop4', '--result', '/tmp/r', '--monitor', '/tmp/m', '--trace', '/tmp/t', '--tasks', 'MountImage,UmountImage']),
      { rules: { directory: '/tmp/c' }, disks: ['/dev/loop3', '/dev/loop4'], resultPath: '/tmp/r', monitorPath: '/tmp/m', tracePath: '/tmp/t', powerOff: 'exit', onlyTasks: ['MountImage', 'UmountImage'] },
    );
  });

  it('defaults to the serial ports and to exiting rather than powering off', () => {
    assert.deepEqual(parseHelperArgs(['--rules-dev', '/dev/fd0']), { rules: { device: '/dev/fd0' }, resultPath: '/dev/ttyS1', monitorPath: '/dev/ttyS2', powerOff: 'exit' });
  });

  it('rejects unknown flags, missing values and zero or two rules sources', () => {
    assert.throws(() => parseHelperArgs(['--rules-dev', '/dev/fd0', '--colour', 'x']), { message: 'unknown argument --colour' });
    assert.throws(() => parseHelperArgs(['--rules-dev']), { message: '--rules-dev needs a value' });
    assert.throws(() => parseHelperArgs(['--disk', '/dev/vdb']), { message: 'give exactly one of --rules-dev, --rules-file and --rules-dir' });
    assert.throws(() => parseHelperArgs(['--rules-dev', '/dev/fd0', '--rules-file', '/r.json']), { message: 'give exactly one of --rules-dev, --rules-file and --rules-dir' });
    assert.throws(() => parseHelperArgs(['--rules-dev', '/dev/fd0', '--poweroff', 'halt']), { message: '--poweroff must be exit or sysrq, not halt' });
  });

  it('reads the kernel command line in the VM and powers off with sysrq', () => {
    assert.deepEqual(parseKernelCommandLine('console=ttyS0 ro snf_image_activate_helper rules_dev=/dev/vdc snf_image_disks=/dev/vda,/dev/vdb snf_image_trace=/tmp/trace\n'), {
      rules: { device: '/dev/vdc' },
      disks: ['/dev/vda', '/dev/vdb'],
      resultPath: '/dev/ttyS1',
      monitorPath: '/dev/ttyS2',
      tracePath: '/tmp/trace',
      powerOff: 'sysrq',
    });
  });

  it('traces to the trace channel in the VM unless told otherwise', () => {
    assert.equal(parseKernelCommandLine('snf_image_activate_helper rules_dev=/dev/fd0').tracePath, '/dev/ttyS3');
  });

  it('refuses to act on a machine that did not ask for the helper', () => {
    assert.equal(parseKernelCommandLine('snf_image_activate_helper rules_dev=/dev/vdc snf_image_debug_helper').powerOff, 'exit', 'HELPER_DEBUG leaves the power-off to the init, after its debug shell');
    assert.throws(() => parseKernelCommandLine('ro root=/dev/sda1 rules_dev=/dev/fd0'), { message: 'the kernel command line lacks snf_image_activate_helper: not running the helper' });
    assert.throws(() => parseKernelCommandLine('snf_image_activate_helper'), { message: 'the kernel command line lacks rules_dev=DEVICE' });
  });
});
