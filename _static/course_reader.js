/* MLPs from scratch: reader aids on every page (jupyter-book loads every .js in _static/). Offline, no libraries.
 *
 * 1. Each solution toggle is named after its solution ("Solution to Exercise 4.1 (...)"), instead of
 *    sphinx-togglebutton's "Toggle hidden content" on every one; aria-expanded tells open or closed.
 * 2. Wide equations, tables and code scroll inside their own box; the side that has more content
 *    fades out (class course-scroll-left / -right, see custom.css) so the reader sees it scrolls,
 *    and a box that scrolls can be reached with the keyboard (tabindex=0).
 * 3. A figure is never shown narrower than FIGURE_MIN_WIDTH px (or its own width, if smaller): on a
 *    phone it scrolls sideways inside its link box instead of shrinking its text below ~9 px
 *    (the notebooks draw 11 pt text at 100 dpi, about 15 px, in figures up to 900 px wide).
 */
(() => {
  "use strict";

  const whenReady = (callback) => {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", callback);
    else callback();
  };

  // ---------------------------------------------------------------- 1. names for toggles
  const titleText = (title, button) =>
    [...title.childNodes].filter((n) => n !== button).map((n) => n.textContent).join("")
      .replace(/\s+/g, " ").trim();

  const nameToggles = () => {
    document.querySelectorAll(".admonition.toggle > .admonition-title > button.toggle-button").forEach((button) => {
      const text = titleText(button.parentElement, button);
      if (text) button.setAttribute("aria-label", text);
    });
  };

  // ---------------------------------------------------------------- 3. figures keep readable text
  const FIGURE_MIN_WIDTH = 600;
  const keepReadable = () => {
    document.querySelectorAll("a.course-fullsize > img").forEach((img) => {
      const apply = () => {
        if (img.naturalWidth > 0) img.style.minWidth = `${Math.min(img.naturalWidth, FIGURE_MIN_WIDTH)}px`;
        const box = img.parentElement;
        if (box) update(box);
      };
      if (img.complete) apply();
      else img.addEventListener("load", apply, { once: true });
    });
  };

  // ---------------------------------------------------------------- 2. scroll hints
  // the boxes pydata-sphinx-theme makes scrollable (it sets their tabindex once, at load, for the
  // width of that moment), and display equations
  const SCROLLERS = [
    "div.math > mjx-container[display='true']",
    "pre",
    ".pst-scrollable-table-container",
    ".cell_output > .output",
    ".nboutput > .output_area",
    ".jp-RenderedHTMLCommon",
    "a.course-fullsize",
  ].join(", ");

  const update = (box) => {
    const overflow = box.scrollWidth - box.clientWidth;
    const scrolls = overflow > 1;
    box.classList.toggle("course-scrolls", scrolls);
    box.classList.toggle("course-scroll-left", scrolls && box.scrollLeft > 1);
    box.classList.toggle("course-scroll-right", scrolls && box.scrollLeft < overflow - 1);
    // a box that scrolls is reachable with the keyboard (WCAG 2.1.1); mjx-container already is
    if (scrolls && box.tabIndex < 0) box.tabIndex = 0;
  };

  const watched = new WeakSet();
  const watchScrollers = () => {
    document.querySelectorAll(SCROLLERS).forEach((box) => {
      if (!watched.has(box)) {
        watched.add(box);
        box.addEventListener("scroll", () => update(box), { passive: true });
      }
      update(box);
    });
  };

  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(watchScrollers, 100);
  });

  whenReady(() => {
    nameToggles();
    keepReadable();
    watchScrollers();
    // MathJax typesets after this script: look again once it has finished.
    const mathjax = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
    if (mathjax) mathjax.then(watchScrollers);
    else window.addEventListener("load", () => {
      const later = window.MathJax && window.MathJax.startup && window.MathJax.startup.promise;
      (later || Promise.resolve()).then(watchScrollers);
    });
  });
  // sphinx-togglebutton adds its buttons at DOMContentLoaded too; name them when all is loaded as well
  window.addEventListener("load", () => { nameToggles(); keepReadable(); watchScrollers(); });
})();
