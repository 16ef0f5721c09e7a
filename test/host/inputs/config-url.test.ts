import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { isSecret } from '../../../src/effects/secret.ts';
import {
  ConfigUrlAnswerError,
  ConfigUrlInvalidError,
  ConfigUrlRequestError,
  ConfigUrlStatusError,
  ConfigUrlTimeoutError,
  ConfigUrlValueError,
  fetchConfigUrl,
} from '../../../src/host/inputs/config-url.ts';
import { toOsParameters } from '../../../src/host/inputs/os-parameters.ts';

/** Answers by path: a status and a body; /slow never answers. */
const ROUTES: Record<string, [number, string]> = {
  '/vm.json': [200, JSON.stringify({ IMG_ID: 'debian-12', Img_Format: 'diskdump', img_passwd: 'p4ss', flavor: 'large' })],
  '/missing.json': [404, 'not here'],
  '/error.json': [500, 'boom'],
  '/no-content.json': [204, ''],
  '/not-json': [200, '<html>login</html>'],
  '/array.json': [200, '["img_id"]'],
  '/number.json': [200, '{"img_id": 42}'],
  '/null.json': [200, '{"img_passwd": null}'],
  '/properties.json': [200, JSON.stringify({ img_properties: { OSFAMILY: 'linux', ROOT_PARTITION: '1' }, img_personality: [] })],
  '/properties-as-number.json': [200, '{"inst_properties": 1}'],
  '/twice.json': [200, '{"img_id": "a", "IMG_ID": "b"}'],
  '/big.json': [200, JSON.stringify({ img_properties: 'x'.repeat(2000) })],
};

describe('config_url', () => {
  let server: Server;
  let base = '';
  let closedPortUrl = '';
  const options = () => ({ fetch: globalThis.fetch, timeoutSeconds: 5 });

  before(async () => {
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      if (path === '/slow') return; // keeps the connection open and never answers
      if (path === '/private.json') {
        const authorized = request.headers.authorization === `Basic ${Buffer.from('user:hunter2').toString('base64')}`;
        response.writeHead(authorized ? 200 : 401).end(authorized ? '{"img_id": "private"}' : '');
        return;
      }
      if (path === '/moved') {
        response.writeHead(302, { location: '/vm.json' }).end();
        return;
      }
      const [status, body] = ROUTES[path] ?? [404, ''];
      response.writeHead(status, { 'content-type': 'application/json' }).end(status === 204 ? undefined : body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    closedPortUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/vm.json`;
    await new Promise((resolve) => closed.close(resolve));
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function rejects(url: string, type: new (...args: never[]) => Error, message: string | RegExp, timeoutSeconds = 5): Promise<void> {
    await assert.rejects(fetchConfigUrl(url, { fetch: globalThis.fetch, timeoutSeconds, maxBytes: 1024 }, []), (error: unknown) => {
      assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    });
  }

  const EXAMPLE = '{"img_id": "debian-12.diskdump", "img_format": "diskdump"}';

  it('reads OS parameters with keys in any case, wraps secrets and warns about unknown keys', async () => {
    const warnings: string[] = [];
    const parameters = await fetchConfigUrl(`${base}/vm.json`, options(), warnings);
    const plain = toOsParameters(parameters);
    assert.equal(plain.img_id, 'debian-12');
    assert.equal(plain.img_format, 'diskdump');
    assert.ok(isSecret(plain.img_passwd));
    assert.equal(plain.img_passwd.reveal(), 'p4ss');
    assert.deepEqual(parameters.get('img_format'), { name: 'Img_Format', value: 'diskdump', where: 'the config_url answer' });
    assert.deepEqual(warnings, ['The config_url answer has the key "flavor", which is not an OS parameter; it is ignored.']);
  });

  it('follows redirects, as curl -L did', async () => {
    const plain = toOsParameters(await fetchConfigUrl(`${base}/moved`, options(), []));
    assert.equal(plain.img_id, 'debian-12');
  });

  it('accepts the JSON-valued parameters as JSON, serialized back to text', async () => {
    const plain = toOsParameters(await fetchConfigUrl(`${base}/properties.json`, options(), []));
    assert.equal(plain.img_properties, '{"OSFAMILY":"linux","ROOT_PARTITION":"1"}');
    assert.equal(plain.img_personality?.reveal(), '[]');
  });

  it('refuses a number, naming the key, because JSON would rewrite it', async () => {
    await rejects(
      `${base}/number.json`,
      ConfigUrlValueError,
      `the answer of config_url ${base}/number.json gives "img_id" as a number: give it as a JSON string, e.g. "img_id": "..."`,
    );
  });

  it('refuses null', async () => {
    await rejects(
      `${base}/null.json`,
      ConfigUrlValueError,
      `the answer of config_url ${base}/null.json gives "img_passwd" as null: give it as a JSON string, e.g. "img_passwd": "..."`,
    );
  });

  it('refuses a number for a JSON-valued parameter, saying what it takes', async () => {
    await rejects(
      `${base}/properties-as-number.json`,
      ConfigUrlValueError,
      `the answer of config_url ${base}/properties-as-number.json gives "inst_properties" as a number: give it as a JSON object, or a string holding one, e.g. "inst_properties": "..."`,
    );
  });

  it('refuses a parameter given twice in different cases', async () => {
    await rejects(
      `${base}/twice.json`,
      ConfigUrlAnswerError,
      `the answer of config_url ${base}/twice.json sets img_id twice (as "img_id" and "IMG_ID"): it must be a JSON object of OS parameters such as ${EXAMPLE}`,
    );
  });

  it('refuses an answer that is not JSON', async () => {
    await rejects(`${base}/not-json`, ConfigUrlAnswerError, new RegExp(`^the answer of config_url ${base}/not-json is not JSON \\(.+\\): it must be a JSON object`));
  });

  it('refuses JSON that is not an object', async () => {
    await rejects(
      `${base}/array.json`,
      ConfigUrlAnswerError,
      `the answer of config_url ${base}/array.json is an array, not an object: it must be a JSON object of OS parameters such as ${EXAMPLE}`,
    );
  });

  it('refuses an answer larger than the limit', async () => {
    await rejects(
      `${base}/big.json`,
      ConfigUrlAnswerError,
      `the answer of config_url ${base}/big.json is larger than 1024 bytes: it must be a JSON object of OS parameters such as ${EXAMPLE}`,
    );
  });

  it('reports an HTTP status other than 200', async () => {
    await rejects(
      `${base}/missing.json`,
      ConfigUrlStatusError,
      `config_url ${base}/missing.json answered HTTP 404 Not Found: it must answer 200 with a JSON object of OS parameters; check the URL`,
    );
    await rejects(`${base}/error.json`, ConfigUrlStatusError, /answered HTTP 500 Internal Server Error/);
    await rejects(`${base}/no-content.json`, ConfigUrlStatusError, /answered HTTP 204 No Content/);
  });

  it('gives up after the timeout', async () => {
    await rejects(
      `${base}/slow`,
      ConfigUrlTimeoutError,
      `config_url ${base}/slow did not answer within 0.2 s: check that the server is up and reachable from this node, or raise CONFIG_URL_TIMEOUT in the configuration file`,
      0.2,
    );
  });

  it('stops waiting for a server that does not answer as soon as the run is aborted', async () => {
    const run = new AbortController();
    const started = Date.now();
    const fetching = fetchConfigUrl(`${base}/slow`, { fetch: globalThis.fetch, timeoutSeconds: 60, signal: run.signal }, []);
    setTimeout(() => run.abort(), 50);
    await assert.rejects(fetching, (error: unknown) => !(error instanceof ConfigUrlTimeoutError));
    assert.ok(Date.now() - started < 5000, 'not held until CONFIG_URL_TIMEOUT');
  });

  it('reports a server that cannot be reached', async () => {
    await rejects(
      closedPortUrl,
      ConfigUrlRequestError,
      new RegExp(`^fetching config_url ${closedPortUrl} failed \\(.*ECONNREFUSED.*\\): check the URL and that this node can reach the server$`),
    );
  });

  it('refuses a URL that is not http or https', async () => {
    await rejects(
      'ftp://files.example/vm.json',
      ConfigUrlInvalidError,
      'config_url "ftp://files.example/vm.json" is not an http:// or https:// URL: give the full URL of a JSON object of OS parameters',
    );
  });

  it('sends user:password@ as basic authentication, as curl did', async () => {
    const url = `${base.replace('http://', 'http://user:hunter2@')}/private.json`;
    assert.equal(toOsParameters(await fetchConfigUrl(url, options(), [])).img_id, 'private');
    await rejects(`${base}/private.json`, ConfigUrlStatusError, /answered HTTP 401 Unauthorized/);
  });

  it('never shows credentials or a query string, which may hold a token', async () => {
    const url = `${base.replace('http://', 'http://user:hunter2@')}/missing.json?token=t0ps3cret`;
    await rejects(url, ConfigUrlStatusError, `config_url ${base}/missing.json?... answered HTTP 404 Not Found: it must answer 200 with a JSON object of OS parameters; check the URL`);
    const unreachable = `${closedPortUrl.replace('http://', 'http://user:hunter2@')}?token=t0ps3cret`;
    await assert.rejects(fetchConfigUrl(unreachable, options(), []), (error: unknown) => {
      assert.ok(error instanceof ConfigUrlRequestError);
      assert.doesNotMatch(error.message, /hunter2|t0ps3cret/);
      return true;
    });
  });
});
