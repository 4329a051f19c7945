"""Sphinx configuration of the course's website (make site).

The lessons and exercise notebooks are rendered with the outputs committed in them: the
build executes nothing, so what the site shows is what CI checked under nbval.
"""

import os
import posixpath

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.transforms.post_transforms import SphinxPostTransform

project = "Django Ninja backend workbook"

extensions = ["myst_nb"]
root_doc = "index"
# make site copies into this folder only what the site shows (never solutions/).
exclude_patterns = ["README.md", "_build"]
templates_path = ["_templates"]

# The outputs are the evidence: nothing runs at build time.
nb_execution_mode = "off"
# Links such as self-check-answers.md#00--start-here, as GitHub names headings.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
html_css_files = ["site.css"]
html_use_index = False
# Where the repository lives, when the build knows it (the GitHub workflow says it).
REPOSITORY_URL = os.environ.get("SITE_REPOSITORY_URL", "")
html_theme_options = {
    "repository_url": REPOSITORY_URL,
    "use_repository_button": bool(REPOSITORY_URL),
    "path_to_docs": "",
    "show_toc_level": 2,
}
# The reader's light or dark setting; left unset, the theme logs an error on every page.
html_context = {"default_mode": "auto"}


class RepositoryFolderLinks(SphinxPostTransform):
    """Point links to the repository's folders (``../solutions/``) at the repository.

    The site shows files, not folders; a folder link becomes a link into the repository
    when the build knows where it lives, and plain text otherwise, never a broken link.
    """

    default_priority = 8  # before MyST resolves its references (9)

    def run(self, **kwargs):
        for node in list(self.document.findall(pending_xref)):
            target = node.get("reftarget", "")
            if node.get("reftype") != "myst" or not target.endswith("/"):
                continue
            base = posixpath.dirname(node.get("refdoc", self.env.docname))
            folder = posixpath.normpath(posixpath.join(base, target))
            text = node[0].deepcopy()
            if REPOSITORY_URL:
                url = f"{REPOSITORY_URL}/tree/HEAD/{folder}"
                node.replace_self(nodes.reference("", "", text, refuri=url))
            else:
                node.replace_self(text)


def setup(app):
    app.add_post_transform(RepositoryFolderLinks)
