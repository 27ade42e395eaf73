/* MLPs from scratch: search snippets that work over http and from a folder (file://).
 *
 * Sphinx's search fetches every result page to cut a snippet out of it; browsers refuse such
 * requests for file:// pages, and the raw page holds TeX and toolbar text. _ext/course_reader.py
 * writes course_search_pages.js (each page's text, math read out, no headers); this answers those
 * requests from it. Any other request goes to the network as usual.
 */
(() => {
  "use strict";
  const pages = window.COURSE_SEARCH_PAGES || {};
  const root = new URL(document.documentElement.dataset.content_root || "./", window.location.href);
  const known = new Map(Object.entries(pages).map(([path, text]) => [new URL(path, root).href, text]));
  const networkFetch = window.fetch ? window.fetch.bind(window) : null;
  window.fetch = (resource, options) => {
    try {
      const url = new URL(typeof resource === "string" ? resource : resource.url, window.location.href);
      url.hash = "";
      url.search = "";
      if (known.has(url.href)) {
        return Promise.resolve(new Response(known.get(url.href), {
          status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } }));
      }
    } catch (error) { /* not a URL we know: let the browser handle it */ }
    return networkFetch(resource, options);
  };
})();
