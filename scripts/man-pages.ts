/**
 * The package's man pages, written in roff from text the program already
 * has: snf-image(8) from the command's own --help output, snf-image.conf(5)
 * from the configuration file template and the settings table. Nothing here
 * is written twice; a new subcommand or setting appears in them by itself.
 */

/** Text as roff shows it literally: backslashes and hyphens escaped, no line taken as a request. */
export function roffText(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replaceAll('\\', '\\e').replaceAll('-', '\\-'))
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

function literal(text: string): string {
  return ['.nf', roffText(text.trimEnd()), '.fi'].join('\n');
}

export interface PageHeader {
  readonly version: string;
  /** The date the pages carry, YYYY-MM-DD. */
  readonly date: string;
}

export interface CommandHelp {
  /** The top-level `snf-image --help` output. */
  readonly overview: string;
  /** Each subcommand's `snf-image NAME --help` output, in the overview's order. */
  readonly subcommands: ReadonlyArray<{ readonly name: string; readonly help: string }>;
}

/** The subcommand names that `snf-image --help` lists under "Subcommands:". */
export function subcommandNames(overview: string): string[] {
  const [, list = ''] = overview.split(/^Subcommands:$/m);
  return [...list.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]!);
}

export function commandManPage(help: CommandHelp, header: PageHeader): string {
  return [
    `.TH SNF-IMAGE 8 "${header.date}" "snf-image ${header.version}" "System Administration"`,
    '.SH NAME',
    'snf-image \\- deploy VM images onto Ganeti instance disks and customize them in a helper VM',
    '.SH SYNOPSIS',
    '.B snf-image',
    '.I SUBCOMMAND',
    '.RI [ ARGS ...]',
    '.SH DESCRIPTION',
    'snf-image is a Ganeti OS definition: Ganeti runs its scripts in',
    '.I /usr/share/ganeti/os/snf-image',
    'to deploy an image onto an instance disk, customized inside a throw\\-away helper VM.',
    'The same command gives the operator its tools.',
    'Before the first create, build the helper VM image once with',
    '.BR "snf-image helper build" ,',
    'and copy the directory it prints to HELPER_DIR (see',
    '.BR snf-image.conf (5))',
    'on every node.',
    '.PP',
    literal(help.overview),
    '.SH SUBCOMMANDS',
    ...help.subcommands.flatMap(({ name, help: text }) => [`.SS ${roffText(name)}`, literal(text)]),
    '.SH FILES',
    '.TP',
    '.I /etc/snf-image/snf-image.conf',
    'the configuration, see',
    '.BR snf-image.conf (5)',
    '.TP',
    '.I /usr/share/ganeti/os/snf-image',
    'the Ganeti OS definition',
    '.TP',
    '.I /etc/ganeti/snf-image/variants.list',
    'the published variants, one a line; each reads',
    '.I /etc/ganeti/snf-image/variants/NAME.conf',
    '.TP',
    '.I /var/cache/snf-image/helper',
    'the helper image build cache',
    '.TP',
    '.I /var/log/snf-image/traces',
    'one trace a run, for',
    '.B snf-image replay',
    'and',
    '.B snf-image viz',
    '.SH SEE ALSO',
    '.BR snf-image.conf (5),',
    '.BR gnt-os (8),',
    '.BR gnt-instance (8)',
    '',
  ].join('\n');
}

export interface SettingDefault {
  readonly name: string;
  readonly default: string;
}

/**
 * snf-image.conf(5): the installed template's comments as the description,
 * grouped as the file groups them, and every setting with its default.
 */
export function configManPage(template: string, settings: readonly SettingDefault[], header: PageHeader): string {
  return [
    `.TH SNF-IMAGE.CONF 5 "${header.date}" "snf-image ${header.version}" "File Formats"`,
    '.SH NAME',
    'snf-image.conf \\- the configuration of snf-image',
    '.SH SYNOPSIS',
    '.I /etc/snf-image/snf-image.conf',
    '.SH DESCRIPTION',
    ...templateParagraphs(template),
    '.SH SETTINGS AND DEFAULTS',
    'An empty value means the default.',
    ...settings.flatMap((s) => ['.TP', `.B ${roffText(s.name)}`, s.default === '' ? '(empty)' : roffText(s.default)]),
    '.SH SEE ALSO',
    '.BR snf-image (8)',
    '',
  ].join('\n');
}

/** The template's comment blocks as paragraphs and its commented-out settings as literal lines. */
function templateParagraphs(template: string): string[] {
  const out: string[] = [];
  let prose: string[] = [];
  let settings: string[] = [];
  const flush = () => {
    if (prose.length > 0) out.push('.PP', roffText(prose.join('\n')));
    if (settings.length > 0) out.push('.RS', literal(settings.join('\n')), '.RE');
    prose = [];
    settings = [];
  };
  for (const line of template.split('\n')) {
    const setting = /^#([A-Z][A-Z0-9_]*=.*)$/.exec(line);
    if (setting) {
      if (prose.length > 0 && settings.length === 0) {
        out.push('.PP', roffText(prose.join('\n')));
        prose = [];
      }
      settings.push(setting[1]!);
    } else if (/^#\s?/.test(line) && line.replace(/^#\s?/, '').trim() !== '') {
      if (settings.length > 0) flush();
      prose.push(line.replace(/^#\s?/, ''));
    } else {
      flush();
    }
  }
  flush();
  return out;
}
