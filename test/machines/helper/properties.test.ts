import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeProperties } from '../../../machines/helper/properties.ts';
import { checkYesNo } from '../../../machines/helper/yes-no.ts';

describe('image properties', () => {
  it('lets inst_properties override img_properties, and both override the forced ones, per key and whatever the case', () => {
    const properties = decodeProperties({
      forced: { OSFAMILY: 'linux', IGNORE_UNATTEND: 'yes' },
      imgProperties: '{"osfamily": "windows", "Users": "root", "ROOT_PARTITION": 2}',
      instProperties: '{"USERS": "alice bob"}',
    });
    assert.deepEqual(properties, { OSFAMILY: 'windows', IGNORE_UNATTEND: 'yes', USERS: 'alice bob', ROOT_PARTITION: '2' });
  });

  it('turns numbers, booleans and nested values into text and leaves null unset', () => {
    assert.deepEqual(decodeProperties({ forced: {}, imgProperties: '{"a": 1.5, "b": true, "c": false, "d": [1, "x"], "e": {"k": null}, "f": null}' }), {
      A: '1.5',
      B: 'true',
      C: 'false',
      D: '[1,"x"]',
      E: '{"k":null}',
    });
  });

  it('keeps non-ASCII names and values', () => {
    assert.deepEqual(decodeProperties({ forced: {}, imgProperties: '{"description": "Δοκιμή ünïcödé 🐧", "ονομα": "x"}' }), { DESCRIPTION: 'Δοκιμή ünïcödé 🐧', ΟΝΟΜΑ: 'x' });
  });

  it('treats empty or absent parameters as no properties', () => {
    assert.deepEqual(decodeProperties({ forced: {}, imgProperties: '  ' }), {});
  });

  it('names img_properties when it is not JSON', () => {
    assert.throws(() => decodeProperties({ forced: {}, imgProperties: '{"OSFAMILY": linux}' }), {
      name: 'PropertiesError',
      message: /^img_properties is not valid JSON \(.+\): give a JSON object such as \{"OSFAMILY": "linux"\}$/,
    });
  });

  it('names inst_properties when it is not an object', () => {
    assert.throws(() => decodeProperties({ forced: {}, imgProperties: '{}', instProperties: '"linux"' }), {
      message: 'inst_properties must be a JSON object such as {"OSFAMILY": "linux"}, not "linux"',
    });
  });
});

describe('check_yes_no', () => {
  const read = (value: string | undefined) => {
    const warnings: string[] = [];
    return { value: checkYesNo('DO_SYNC', value, (w) => warnings.push(w)), warnings };
  };

  it('reads the yes words as true and the no words as false, in any case', () => {
    for (const word of ['yes', 'TRUE', 'On', '1', 'set']) assert.deepEqual(read(word), { value: true, warnings: [] });
    for (const word of ['no', 'False', 'OFF', '0', 'unset']) assert.deepEqual(read(word), { value: false, warnings: [] });
  });

  it('reads unset as false, empty as false with a warning, anything else as true with a warning', () => {
    assert.deepEqual(read(undefined), { value: false, warnings: [] });
    assert.deepEqual(read(''), { value: false, warnings: ['Variable DO_SYNC is defined but empty; treating it as NO'] });
    assert.deepEqual(read('perhaps'), { value: true, warnings: ['Invalid value "perhaps" for DO_SYNC; treating it as YES'] });
  });
});
