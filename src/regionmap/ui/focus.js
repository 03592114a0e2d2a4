// Keeps the keyboard's place when Streamlit redraws a widget (WCAG 2.4.3, 2.4.7). A download button is disabled
// while its file is made and the file uploader is redrawn with the chosen file: the browser then moves the focus
// to the page itself (no focus ring; screen readers lose their place). This script remembers where the focus was
// (the `.st-key-...` container of its widget, the element's tag and data-testid and its index there) and, when the
// focus has fallen to the page, puts it back on that element, or on its redrawn successor in the same part of the
// widget (the uploader's file), once it can take the focus again. It never acts after a pointer press (the user
// clicked elsewhere), while the focus is anywhere but the page, while a dialog is open, after the widget is gone
// for good (KEPT_MS), for select boxes (Streamlit moves their focus itself), for tables (the data grid keeps its
// own focus) or for the map's frame.
// It also makes each interactive table's keyboard hint (the caption right above it, `ui.tables.row_choice`: a row
// is chosen with Shift+Space, the data grid's own key) the grid's description (aria-describedby) for screen readers.
(() => {
  if (window.rmFocusKeeper) return;  // once per page: Streamlit may run this again after a page switch
  window.rmFocusKeeper = true;
  const KEPT_MS = 60000;  // the longest a lost focus waits for its widget (an exposé takes seconds to make)
  const FOCUSABLE = "button, input, textarea, select, a[href], [tabindex]";
  const IGNORED = "[data-baseweb='select'], [data-testid='stDataFrame'], iframe";
  let last = null;  // where the focus is: {key, tag, testid, index, scope}
  let lost = null;  // where it was when it fell to the page: {place, at}
  let pointer = false;  // the last input was a pointer press, not a key

  const keyed = (el) => {
    const box = el.closest("[class*='st-key-']");
    const key = box && String(box.className).match(/(?:^|\s)st-key-(\S+)/);
    return key ? {box, key: key[1]} : null;
  };
  const alike = (box, tag, testid) =>
    [...box.querySelectorAll(tag)].filter((el) => (el.getAttribute("data-testid") || "") === testid);
  const place = (el) => {
    const widget = keyed(el);
    if (!widget || el.closest(IGNORED)) return null;
    const tag = el.tagName.toLowerCase(), testid = el.getAttribute("data-testid") || "";
    const scope = el.parentElement.closest("[data-testid]");
    return {key: widget.key, tag, testid, index: alike(widget.box, tag, testid).indexOf(el),
            scope: scope && widget.box.contains(scope) ? scope.getAttribute("data-testid") : ""};
  };
  const usable = (el) => el && !el.disabled && el.tabIndex >= 0 && el.getClientRects().length > 0
    && !el.closest("[inert], [aria-hidden='true'], [data-stale='true']");
  const successor = (at) => {
    const box = document.querySelector(`.st-key-${CSS.escape(at.key)}`);
    if (!box) return null;
    const same = alike(box, at.tag, at.testid)[at.index];
    if (usable(same)) return same;
    const scope = at.scope ? box.querySelector(`[data-testid='${CSS.escape(at.scope)}']`) : box;
    return scope ? [...scope.querySelectorAll(FOCUSABLE)].find(usable) || null : null;
  };
  const onPage = () => !document.activeElement || document.activeElement === document.body
    || document.activeElement === document.documentElement;

  const watch = new MutationObserver(() => restore());
  const forget = () => { lost = null; watch.disconnect(); };
  function restore() {
    if (!lost) return;
    if (performance.now() - lost.at > KEPT_MS || !onPage()) { forget(); return; }
    if (!document.hasFocus() || document.querySelector("[role='dialog'], [aria-modal='true']")) return;
    const el = successor(lost.place);
    if (!el) return;
    el.focus({focusVisible: true});
    if (document.activeElement === el) forget();
  }

  document.addEventListener("pointerdown", () => { pointer = true; forget(); }, true);
  document.addEventListener("keydown", () => { pointer = false; }, true);
  document.addEventListener("focusin", (event) => { forget(); last = place(event.target); }, true);
  document.addEventListener("focusout", (event) => {
    if (event.relatedTarget || pointer || !last) return;
    lost = {place: last, at: performance.now()};
    watch.observe(document.body, {subtree: true, childList: true, attributes: true,
                                  attributeFilter: ["disabled", "class", "data-stale", "style"]});
    setTimeout(restore, 0);
  }, true);

  const HINT = ROW_HINT;  // the key prefix of a hint's container; the rest is its table's key
  const describe = () => {
    for (const hint of document.querySelectorAll(`[class*='st-key-${HINT}']`)) {
      const key = String(hint.className).match(new RegExp(`st-key-${HINT}(\\S+)`));
      const caption = hint.querySelector("[data-testid='stCaptionContainer']");
      const grid = key && caption && document.querySelector(`.st-key-${CSS.escape(key[1])} table[role='grid']`);
      if (!grid) continue;
      caption.id = `rm-hint-${key[1]}`;
      if (grid.getAttribute("aria-describedby") !== caption.id) grid.setAttribute("aria-describedby", caption.id);
    }
  };
  let drawing = false;  // one look per frame, however many changes Streamlit and the grid make in it
  new MutationObserver(() => {
    if (!drawing) { drawing = true; requestAnimationFrame(() => { drawing = false; describe(); }); }
  }).observe(document.body, {subtree: true, childList: true});
  describe();
})();
