/** Mouse and keyboard on the grid: hover details, click, Shift+drag or Shift+click selection, pan, zoom, arrows. */
/** What the input needs of the grid view. */
export interface InputTarget {
  focus: number;
  hit(clientX: number, clientY: number): number;
  describe(i: number): string;
  selectRect(a: number, b: number): void;
  toggle(i: number): void;
  open(i: number): void;
  moveFocus(dr: number, dc: number): void;
  clearSelection(): void;
  zoom(factor: number, at?: { x: number; y: number }): void;
  draw(): void;
  scheduleDraw(): void;
}

export function wireInput(view: InputTarget, vp: HTMLElement, tip: HTMLElement): void {
  let drag: { x: number; y: number; left: number; top: number; cell: number; select: boolean } | undefined;
  vp.addEventListener('scroll', () => view.scheduleDraw());
  vp.addEventListener('mousemove', (ev) => {
    if (drag) {
      if (!drag.select) {
        vp.scrollLeft = drag.left - (ev.clientX - drag.x);
        vp.scrollTop = drag.top - (ev.clientY - drag.y);
      }
      return;
    }
    const i = view.hit(ev.clientX, ev.clientY);
    if (i < 0) return void (tip.style.display = 'none');
    tip.textContent = view.describe(i);
    tip.style.left = `${ev.clientX + 14}px`;
    tip.style.top = `${ev.clientY + 14}px`;
    tip.style.display = 'block';
  });
  vp.addEventListener('mouseleave', () => (tip.style.display = 'none'));
  vp.addEventListener('mousedown', (ev) => {
    if (ev.button === 0) drag = { x: ev.clientX, y: ev.clientY, left: vp.scrollLeft, top: vp.scrollTop, cell: view.hit(ev.clientX, ev.clientY), select: ev.shiftKey };
  });
  window.addEventListener('mouseup', (ev) => {
    const d = drag;
    drag = undefined;
    if (!d) return;
    const moved = Math.abs(ev.clientX - d.x) + Math.abs(ev.clientY - d.y) > 4;
    const i = view.hit(ev.clientX, ev.clientY);
    if (d.select && moved && d.cell >= 0 && i >= 0) view.selectRect(d.cell, i);
    else if (!moved && i >= 0) {
      view.focus = i;
      if (ev.shiftKey || ev.ctrlKey || ev.metaKey) view.toggle(i);
      else view.open(i);
      view.draw();
    }
  });
  vp.addEventListener(
    'wheel',
    (ev) => {
      if (!ev.ctrlKey) return;
      ev.preventDefault();
      const box = vp.getBoundingClientRect();
      view.zoom(ev.deltaY < 0 ? 1.25 : 0.8, { x: ev.clientX - box.left, y: ev.clientY - box.top });
    },
    { passive: false },
  );
  const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  vp.addEventListener('keydown', (ev) => {
    if (moves[ev.key]) {
      ev.preventDefault();
      view.moveFocus(...moves[ev.key]);
    } else if (ev.key === 'Enter' && view.focus >= 0) view.open(view.focus);
    else if (ev.key === ' ' && view.focus >= 0) {
      ev.preventDefault();
      view.toggle(view.focus);
    } else if (ev.key === '+' || ev.key === '=') view.zoom(1.25);
    else if (ev.key === '-') view.zoom(0.8);
    else if (ev.key === 'Escape') view.clearSelection();
    else return;
    view.draw();
  });
}
