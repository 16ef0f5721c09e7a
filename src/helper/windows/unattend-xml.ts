import { DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';
import { SnfImageError } from '../../errors.ts';
import type { Architecture } from './windows-facts.ts';

/** An answer file that is not one Windows setup could read. */
export class AnswerFileError extends SnfImageError {
  override readonly name = 'AnswerFileError';
}

export const UNATTEND_NS = 'urn:schemas-microsoft-com:unattend';
export const WCM_NS = 'http://schemas.microsoft.com/WMIConfig/2002/State';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

export type Pass = 'windowsPE' | 'offlineServicing' | 'generalize' | 'specialize' | 'auditSystem' | 'auditUser' | 'oobeSystem';

/**
 * A Windows answer file (unattend.xml) edited as XML: namespaces, comments
 * and the order of everything already there are kept; new elements are added
 * after their siblings. Components are found by pass, name and
 * processorArchitecture, as Windows setup applies them.
 */
export class UnattendXml {
  private constructor(private readonly doc: Document) {}

  /** `source` names the file in messages: "the image's unattend.xml", "the answer file on the config device". */
  static parse(text: string, source: string): UnattendXml {
    let doc: Document;
    let problem: string | undefined;
    try {
      doc = new DOMParser({
        onError: (level, message) => {
          if (level === 'warning') return;
          problem ??= message.split('\n')[0];
          throw new AnswerFileError(message);
        },
      }).parseFromString(text, 'text/xml');
    } catch (error) {
      const reason = problem ?? (error instanceof Error ? error.message : String(error)).split('\n')[0];
      throw new AnswerFileError(`${source} is not well-formed XML (${reason}): Windows setup could not read it`);
    }
    const root = doc.documentElement;
    if (!root || root.localName !== 'unattend' || root.namespaceURI !== UNATTEND_NS) {
      const found = root ? `<${root.tagName}>${root.namespaceURI ? ` in namespace ${root.namespaceURI}` : ' without a namespace'}` : 'no element';
      throw new AnswerFileError(`${source} is not a Windows answer file: its root is ${found}, not <unattend xmlns="${UNATTEND_NS}">`);
    }
    return new UnattendXml(doc);
  }

  /** The component, or undefined when the answer file has none for that pass and architecture. */
  findComponent(pass: Pass, name: string, architecture: Architecture): Element | undefined {
    const settings = children(this.doc.documentElement!, 'settings').find((s) => s.getAttribute('pass') === pass);
    if (!settings) return undefined;
    return children(settings, 'component').find(
      (c) => c.getAttribute('name') === name && (c.getAttribute('processorArchitecture') ?? '').toLowerCase() === architecture,
    );
  }

  /** The component, created with the attributes Windows expects when the answer file has none. */
  component(pass: Pass, name: string, architecture: Architecture): Element {
    const existing = this.findComponent(pass, name, architecture);
    if (existing) return existing;
    const root = this.doc.documentElement!;
    let settings = children(root, 'settings').find((s) => s.getAttribute('pass') === pass);
    if (!settings) {
      settings = this.doc.createElementNS(UNATTEND_NS, 'settings');
      settings.setAttribute('pass', pass);
      appendIndented(root, settings);
    }
    const component = this.doc.createElementNS(UNATTEND_NS, 'component');
    component.setAttribute('name', name);
    component.setAttribute('processorArchitecture', architecture);
    component.setAttribute('publicKeyToken', '31bf3856ad364e35');
    component.setAttribute('language', 'neutral');
    component.setAttribute('versionScope', 'nonSxS');
    component.setAttributeNS(XMLNS_NS, 'xmlns:wcm', WCM_NS);
    component.setAttributeNS(XMLNS_NS, 'xmlns:xsi', XSI_NS);
    appendIndented(settings, component);
    return component;
  }

  /** Sets a simple setting (ComputerName, ProductKey, ...) of a component, adding it when missing. */
  setSetting(component: Element, name: string, value: string): void {
    const element = children(component, name)[0] ?? appendIndented(component, this.doc.createElementNS(UNATTEND_NS, name));
    element.textContent = value;
  }

  /** The Path of every RunSynchronousCommand the specialize pass runs for the architecture. */
  runSynchronousPaths(architecture: Architecture): string[] {
    return this.#runSynchronousCommands(architecture).map((command) => children(command, 'Path')[0]?.textContent ?? '');
  }

  /** Adds a specialize-pass command, ordered after the ones already there. */
  addRunSynchronous(architecture: Architecture, description: string, path: string): void {
    const deployment = this.component('specialize', 'Microsoft-Windows-Deployment', architecture);
    const list = children(deployment, 'RunSynchronous')[0] ?? appendIndented(deployment, this.doc.createElementNS(UNATTEND_NS, 'RunSynchronous'));
    const orders = this.#runSynchronousCommands(architecture).map((c) => Number.parseInt(children(c, 'Order')[0]?.textContent ?? '', 10));
    const order = Math.max(0, ...orders.filter(Number.isFinite)) + 1;
    const command = this.doc.createElementNS(UNATTEND_NS, 'RunSynchronousCommand');
    command.setAttributeNS(WCM_NS, 'wcm:action', 'add');
    appendIndented(list, command);
    for (const [name, value] of [['Description', description], ['Order', String(order)], ['Path', path]] as const) {
      appendIndented(command, this.doc.createElementNS(UNATTEND_NS, name)).textContent = value;
    }
  }

  /** Names of the local accounts the answer file creates (LocalAccount wcm:action="add"). */
  localAccountNames(): string[] {
    const accounts = Array.from(this.doc.getElementsByTagNameNS(UNATTEND_NS, 'LocalAccount'));
    return accounts
      .filter((account) => account.getAttributeNS(WCM_NS, 'action') === 'add')
      .map((account) => children(account, 'Name')[0]?.textContent?.trim() ?? '')
      .filter((name) => name !== '');
  }

  toString(): string {
    return `${new XMLSerializer().serializeToString(this.doc)}\n`;
  }

  #runSynchronousCommands(architecture: Architecture): Element[] {
    const deployment = this.findComponent('specialize', 'Microsoft-Windows-Deployment', architecture);
    const list = deployment ? children(deployment, 'RunSynchronous')[0] : undefined;
    return list ? children(list, 'RunSynchronousCommand') : [];
  }
}

function children(parent: Element, localName: string): Element[] {
  return Array.from(parent.childNodes).filter((n): n is Element => isElement(n) && n.localName === localName && n.namespaceURI === UNATTEND_NS);
}

function isElement(node: Node): node is Element {
  return node.nodeType === node.ELEMENT_NODE;
}

/** Appends a child on its own line, indented one step deeper than its parent, so the file stays readable. */
function appendIndented<T extends Element>(parent: Element, child: T): T {
  const doc = parent.ownerDocument!;
  const parentIndent = indentBefore(parent);
  const step = '    ';
  const last = parent.lastChild;
  if (last && last.nodeType === last.TEXT_NODE && /^\s*$/.test(last.nodeValue ?? '')) {
    parent.insertBefore(doc.createTextNode(`\n${parentIndent}${step}`), last);
    parent.insertBefore(child, last);
  } else {
    parent.appendChild(doc.createTextNode(`\n${parentIndent}${step}`));
    parent.appendChild(child);
    parent.appendChild(doc.createTextNode(`\n${parentIndent}`));
  }
  return child;
}

function indentBefore(element: Element): string {
  const previous = element.previousSibling;
  if (!previous || previous.nodeType !== previous.TEXT_NODE) return '';
  const text = previous.nodeValue ?? '';
  return /\n([ \t]*)$/.exec(text)?.[1] ?? '';
}
