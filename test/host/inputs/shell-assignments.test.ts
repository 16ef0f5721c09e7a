import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseShellAssignments, ShellSyntaxError } from '../../../src/host/inputs/shell-assignments.ts';

const FILE = '/etc/snf-image/snf-image.conf';

function values(text: string): Record<string, string> {
  return Object.fromEntries(parseShellAssignments(text, FILE).map((a) => [a.name, a.value]));
}

function syntaxError(text: string, message: string): void {
  assert.throws(() => parseShellAssignments(text, FILE), (error: unknown) => {
    assert.ok(error instanceof ShellSyntaxError);
    assert.equal(error.message, message);
    return true;
  });
}

const NEVER_RUN = 'The file is read as NAME=value lines and never run as a shell script.';

describe('shell assignments', () => {
  it('reads snf-image.conf as shipped: every entry commented out', () => {
    const shipped = '# HELPER_DIR="/var/lib/snf-image/helper/"\n#HELPER_MEMORY="512"\n\n   # DHCP_TAGS="auto dhcp nfdhcpd"\n';
    assert.deepEqual(parseShellAssignments(shipped, FILE), []);
  });

  it('reads unquoted, single-quoted and double-quoted values with their line numbers', () => {
    const text = "HELPER_MEMORY=1024\nWINDOWS_TIMEZONE='Pacific Standard Time'\nDHCP_TAGS=\"auto dhcp\"\n";
    assert.deepEqual(parseShellAssignments(text, FILE), [
      { name: 'HELPER_MEMORY', value: '1024', line: 1 },
      { name: 'WINDOWS_TIMEZONE', value: 'Pacific Standard Time', line: 2 },
      { name: 'DHCP_TAGS', value: 'auto dhcp', line: 3 },
    ]);
  });

  it('accepts the export prefix, bare exports and several assignments on a line', () => {
    assert.deepEqual(values('export HELPER_USER=ganeti\nexport HELPER_USER\nA=1 B=2; C=3\n'), { HELPER_USER: 'ganeti', A: '1', B: '2', C: '3' });
  });

  it('drops trailing comments but keeps # inside a word or quotes', () => {
    assert.deepEqual(values("A=x # comment\nB=x#y\nC='# not a comment'\n"), { A: 'x', B: 'x#y', C: '# not a comment' });
  });

  it('keeps $ literally inside single quotes, as a crypt hash needs', () => {
    assert.deepEqual(values("IMG_PASSWD_HASH='$6$salt$hash'\n"), { IMG_PASSWD_HASH: '$6$salt$hash' });
  });

  it('follows the shell on backslashes and line continuations', () => {
    const text = 'A=a\\ b\nB="say \\"hi\\" \\$HOME \\n"\nC=one\\\ntwo\nD="x\\\ny"\n';
    assert.deepEqual(values(text), { A: 'a b', B: 'say "hi" $HOME \\n', C: 'onetwo', D: 'xy' });
  });

  it('keeps a quoted value across lines and counts the lines after it', () => {
    const assignments = parseShellAssignments("AUTH_KEYS='ssh-ed25519 AAA one\nssh-ed25519 BBB two'\nNEXT=1\n", FILE);
    assert.deepEqual(assignments, [
      { name: 'AUTH_KEYS', value: 'ssh-ed25519 AAA one\nssh-ed25519 BBB two', line: 1 },
      { name: 'NEXT', value: '1', line: 3 },
    ]);
  });

  it('lets a later assignment of a name win, as sourcing would', () => {
    assert.deepEqual(values('HELPER_MEMORY=256\nHELPER_MEMORY=1024\n'), { HELPER_MEMORY: '1024' });
  });

  it('keeps a lone $ literally, as the shell does', () => {
    assert.deepEqual(values('A=cost$\nB="a $ b"\n'), { A: 'cost$', B: 'a $ b' });
  });

  it('refuses a variable expansion instead of guessing its value', () => {
    syntaxError(
      'HELPER_DIR=/srv\nIMAGE_DIR="$HELPER_DIR/images"\n',
      `${FILE} line 2: IMAGE_DIR uses a $ variable expansion, which is not supported; write the value out, or put it in single quotes to keep it literally. ${NEVER_RUN}`,
    );
  });

  it('refuses command substitutions', () => {
    syntaxError(
      'HELPER_USER=$(id -un)\n',
      `${FILE} line 1: HELPER_USER uses a $(...) command substitution, which is not supported; write the value out, or put it in single quotes to keep it literally. ${NEVER_RUN}`,
    );
    syntaxError(
      'HELPER_USER="`id -un`"\n',
      `${FILE} line 1: HELPER_USER uses a backtick command substitution, which is not supported; write the value out, or put it in single quotes to keep it literally. ${NEVER_RUN}`,
    );
  });

  it('refuses a leading ~, which the shell would turn into a home directory', () => {
    syntaxError(
      'HELPER_DIR=~/helper\n',
      `${FILE} line 1: HELPER_DIR uses a leading ~ (home directory expansion), which is not supported; write the value out, or put it in single quotes to keep it literally. ${NEVER_RUN}`,
    );
  });

  it('refuses commands, naming the line but not the words', () => {
    syntaxError('A=1\nif true; then A=2; fi\n', `${FILE} line 2: only NAME=value assignments are allowed here. ${NEVER_RUN}`);
  });

  it('explains an unquoted value with a space without showing the value, which may be a password', () => {
    assert.throws(
      () => parseShellAssignments('IMG_PASSWD=correct horse\n', FILE),
      (error: unknown) => {
        assert.ok(error instanceof ShellSyntaxError);
        assert.equal(error.message, `${FILE} line 1: a word that is not NAME=value follows IMG_PASSWD=...; quote values that contain spaces ('a b'). ${NEVER_RUN}`);
        assert.doesNotMatch(error.message, /horse/);
        return true;
      },
    );
  });

  it('refuses pipes and redirections', () => {
    syntaxError('A=1 > /tmp/x\n', `${FILE} line 1: the shell operator > is not allowed; quote the value if it is part of it. ${NEVER_RUN}`);
  });

  it('reports an unclosed quote at the line where it opens', () => {
    syntaxError("A=1\nB='open\n\n", `${FILE} line 2: a single quote is never closed. ${NEVER_RUN}`);
    syntaxError('A="open\n', `${FILE} line 1: a double quote is never closed. ${NEVER_RUN}`);
  });

  it('does not take a quoted NAME= for an assignment, as the shell would not', () => {
    syntaxError('"A"=1\n', `${FILE} line 1: only NAME=value assignments are allowed here. ${NEVER_RUN}`);
  });
});
