"""Book-wide build settings for "MLPs from scratch" that _config.yml alone cannot express.

Loaded by _config.yml (sphinx.local_extensions). Three small things:

1. Launch buttons (Binder, Colab) follow ONE setting, `repository.url` in _config.yml.
   * `repository.url: ""` (the default): no launch buttons and no repository button; the site
     links to nothing outside itself and requests nothing from the internet.
   * `repository.url: https://github.com/ORG/REPO`: every chapter gets the launch buttons of the
     providers listed under `launch_buttons:` in _config.yml, and a repository button. Colab opens
     notebooks from GitHub only, so for another host only Binder is offered.
   (sphinx-book-theme crashes when launch providers are set without a repository URL.)
2. The look: the book's title under the logo, and one search field (in the sidebar);
   pydata-sphinx-theme 0.17 otherwise adds a header bar with a second one.
3. Each inline <script> once per page. Sphinx 7.4 registers an inline script that an extension
   adds during the build twice (filename None and ""), so sphinx-thebe's `const THEBE_JS_URL`
   was declared twice and every page logged a SyntaxError in the browser console.
"""

from sphinx.application import Sphinx
from sphinx.config import Config

LAUNCH_PROVIDERS = ("binderhub_url", "colab_url", "jupyterhub_url", "deepnote_url", "jupyterlite_url")


def configure_theme(app: Sphinx, config: Config) -> None:
    options = dict(config.html_theme_options or {})
    launch = dict(options.get("launch_buttons") or {})
    repository_url = (options.get("repository_url") or "").strip()
    if not repository_url:
        for key in LAUNCH_PROVIDERS:
            launch.pop(key, None)
        launch["thebe"] = False
        options["use_repository_button"] = False
    else:
        if "github.com" not in repository_url.lower():
            launch.pop("colab_url", None)
            launch.pop("deepnote_url", None)
        options["use_repository_button"] = True
    options["launch_buttons"] = launch
    # Look: the title under the logo, and one search field (in the sidebar). pydata-sphinx-theme
    # 0.17 otherwise adds a header bar with a second search field that sphinx-book-theme 1.3 shows.
    options.setdefault("navbar_persistent", [])
    logo = dict(options.get("logo") or {})
    logo.setdefault("text", config.html_title or config.project)
    options["logo"] = logo
    config.html_theme_options = options


def drop_duplicate_scripts(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (str(getattr(script, "filename", script) or ""),
               tuple(sorted((getattr(script, "attributes", None) or {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique  # the builder restores its own list after each page


def setup(app: Sphinx) -> dict:
    # priority < 500: run before sphinx-book-theme reads the theme options
    app.connect("config-inited", configure_theme, priority=100)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
