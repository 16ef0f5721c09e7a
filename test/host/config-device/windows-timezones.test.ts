import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LEGACY_WINDOWS_TIMEZONES, resolveWindowsTimezone, UnknownWindowsTimezone, WINDOWS_TIMEZONE_IDS } from '../../../src/host/config-device/windows-timezones.ts';

describe('Windows time zones', () => {
  it('knows the 75 XP-era zones, each with a unique index and a current ID', () => {
    assert.equal(LEGACY_WINDOWS_TIMEZONES.length, 75);
    assert.equal(new Set(LEGACY_WINDOWS_TIMEZONES.map((zone) => zone.index)).size, 75);
    for (const zone of LEGACY_WINDOWS_TIMEZONES) {
      assert.match(zone.index, /^\d{3}$/);
      assert.ok(WINDOWS_TIMEZONE_IDS.includes(zone.id), `${zone.id} is a current ID`);
    }
  });

  it('keeps the default GMT Standard Time as snf-image wrote it', () => {
    assert.deepEqual(resolveWindowsTimezone('GMT Standard Time'), { id: 'GMT Standard Time', legacyIndex: '085' });
  });

  it('matches case-insensitively and gives the canonical spelling', () => {
    assert.deepEqual(resolveWindowsTimezone('gtb standard time'), { id: 'GTB Standard Time', legacyIndex: '130' });
  });

  it('maps an XP-only name to the current ID of the same zone', () => {
    assert.deepEqual(resolveWindowsTimezone('Transitional Islamic State of Afghanistan Standard Time'), { id: 'Afghanistan Standard Time', legacyIndex: '175' });
  });

  it('gives a current ID the index of the XP zone it replaced', () => {
    assert.deepEqual(resolveWindowsTimezone('SE Asia Standard Time'), { id: 'SE Asia Standard Time', legacyIndex: '205' });
  });

  it('gives a zone XP never had no index', () => {
    assert.deepEqual(resolveWindowsTimezone('UTC'), { id: 'UTC' });
  });

  it('takes the value literally, not as a pattern', () => {
    assert.throws(() => resolveWindowsTimezone('GMT.*'), UnknownWindowsTimezone);
    assert.throws(() => resolveWindowsTimezone(''), UnknownWindowsTimezone);
  });
});
