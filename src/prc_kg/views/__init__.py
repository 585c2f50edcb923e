"""The HTML views: the page shell and its assets, node layout, charts, one page builder per view,
the build of all views, and the release's documentation page."""
