import { readFile } from 'node:fs/promises';
import { IS_PACKAGED, PROGRAM_ROOT } from '../src/program-files.ts';
import { PAGE_DATA_ID, type PageData } from './page-data.ts';

const PAGE_ENTRY = `${PROGRAM_ROOT}visualizer/page/main.ts`;
const PAGE_STYLES = `${PROGRAM_ROOT}visualizer/page/styles.css`;
/** The page's script as the Debian package ships it, bundled when the package was built. */
export const PACKAGED_PAGE_SCRIPT = 'visualizer/page/main.js';

let bundle: Promise<string> | undefined;

/** The page's script: bundled once per process in a checkout, read from the package's copy when installed. */
function pageScript(): Promise<string> {
  bundle ??= IS_PACKAGED ? readFile(`${PROGRAM_ROOT}${PACKAGED_PAGE_SCRIPT}`, 'utf8') : bundlePageScript();
  return bundle;
}

/** Bundles the page's script. esbuild is loaded only here: nothing else at run time needs it, and the package does not. */
export async function bundlePageScript(): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({ entryPoints: [PAGE_ENTRY], bundle: true, write: false, format: 'iife', platform: 'browser', target: 'es2022', minify: true, legalComments: 'none' });
  return result.outputFiles[0]!.text;
}

/**
 * One self-contained HTML file: styles, script and data inline, and a
 * content security policy that forbids every fetch, so the page works
 * offline and a trace never leaves the machine it is opened on.
 */
export async function buildPageHtml(data: PageData, title: string): Promise<string> {
  const [script, styles] = await Promise.all([pageScript(), readFile(PAGE_STYLES, 'utf8')]);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${styles}</style>`,
    '</head><body><div id="app"></div>',
    `<script type="application/json" id="${PAGE_DATA_ID}">${jsonForScript(data)}</script>`,
    `<script>${script.replace(/<\/(script)/gi, '<\\/$1')}</script>`,
    '</body></html>',
  ].join('\n');
}

/** JSON inside a script element must not contain `</script>` or `<!--`; escaping every `<` rules both out. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
