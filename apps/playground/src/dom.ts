/** The few DOM helpers the page uses. */

/** The element with this id; a missing one is a bug in index.html, reported as such. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`the page has no element #${id} (index.html and the script disagree)`);
  return el as T;
}

/** A new element with a class and text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = '', text = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (className !== '') e.className = className;
  if (text !== '') e.textContent = text;
  return e;
}

/** A table row of text cells. */
export function row(cells: readonly string[], className = ''): HTMLTableRowElement {
  const tr = el('tr', className);
  for (const c of cells) tr.append(el('td', '', c));
  return tr;
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
