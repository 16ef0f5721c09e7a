import type { Readable, Writable } from 'node:stream';

/** What a shell command printed on the console, and its exit status. */
export interface ConsoleResult {
  readonly output: string;
  readonly status: number;
}

/**
 * A guest's serial console on a process's stdio: waits for text, types, and
 * runs shell commands once logged in. Everything it read is kept, so a failed
 * check can show the console's tail.
 */
export class SerialConsole {
  #text = '';
  #waiters = new Set<() => void>();
  #closed = false;
  #commands = 0;

  constructor(
    output: Readable,
    private readonly input: Writable,
  ) {
    output.setEncoding('utf8');
    output.on('data', (chunk: string) => {
      // The guest's tty ends lines with \r\n.
      this.#text += chunk.replaceAll('\r', '');
      for (const wake of this.#waiters) wake();
    });
    output.on('close', () => {
      this.#closed = true;
      for (const wake of this.#waiters) wake();
    });
  }

  /** The last characters read, for error messages. */
  tail(chars = 3000): string {
    return this.#text.slice(-chars);
  }

  /** Waits until text read after position `from` matches; returns the match and where it ends. */
  async waitFor(pattern: RegExp, timeoutMs: number, from = 0): Promise<{ match: RegExpExecArray; end: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rest = this.#text.slice(from);
      const match = pattern.exec(rest);
      if (match) return { match, end: from + match.index + match[0].length };
      if (this.#closed) throw new Error(`console closed before ${pattern} appeared:\n${this.tail()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${pattern} did not appear on the console within ${timeoutMs / 1000} s:\n${this.tail()}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  get position(): number {
    return this.#text.length;
  }

  type(text: string): void {
    this.input.write(text);
  }

  /**
   * Logs in as root at the getty's prompt, then quiets the console (no echo,
   * no prompt, no kernel messages) so command output can be read back whole.
   */
  async login(password: string, timeoutMs: number): Promise<void> {
    const prompt = await this.waitFor(/ login: $/m, timeoutMs);
    this.type('root\n');
    const asked = await this.waitFor(/Password: ?$/m, 30_000, prompt.end);
    this.type(`${password}\n`);
    const shell = await this.waitFor(/(# $)|(Login incorrect)/m, 60_000, asked.end);
    if (shell.match[2]) throw new Error('the console refused the password that was set');
    this.type('stty -echo; PS1=; PS2=; export TERM=dumb SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat; dmesg -n 1\n');
    await this.run('true', 30_000);
  }

  /** Runs a shell command (stdout and stderr together) and returns its output and status. */
  async run(command: string, timeoutMs: number): Promise<ConsoleResult> {
    const n = ++this.#commands;
    const from = this.position;
    // The markers are printed by printf, so the command line itself (were it
    // echoed) never contains them.
    this.type(`printf '\\n@@%s %s\\n' begin ${n}; { ${command}\n} 2>&1; printf '\\n@@%s %s %s\\n' end ${n} $?\n`);
    const begin = await this.waitFor(new RegExp(`^@@begin ${n}$`, 'm'), timeoutMs, from);
    const end = await this.waitFor(new RegExp(`^@@end ${n} (\\d+)$`, 'm'), timeoutMs, begin.end);
    const output = this.#text.slice(begin.end, end.end - end.match[0].length).replace(/^\n/, '').replace(/\n\n$/, '\n');
    return { output: output.trimEnd(), status: Number(end.match[1]) };
  }
}
