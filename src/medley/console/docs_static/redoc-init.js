// Renders ReDoc from the local OpenAPI document (the standalone bundle, system fonts: nothing from outside).
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("medley-docs-config").textContent);
  const sans = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
  Redoc.init(config.openapiUrl, {
    hideDownloadButton: false,
    expandResponses: "200,201",
    theme: {
      typography: {
        fontFamily: sans,
        headings: { fontFamily: sans },
        code: { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" },
      },
    },
  }, document.getElementById("redoc"));
})();
