// Starts Swagger UI on the local OpenAPI document; in sandbox mode the page's config holds the sandbox
// application's headers, which pre-authorise "Try it out".
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("medley-docs-config").textContent);
  const authorize = config.authorize || {};
  window.ui = SwaggerUIBundle({
    url: config.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The public validator is an outside service: never call it.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    onComplete: function () {
      for (const [scheme, value] of Object.entries(authorize)) {
        window.ui.preauthorizeApiKey(scheme, value);
      }
    },
  });
})();
