// GET /static/<name>: the embedded stylesheet, script and images, with an
// ETag (If-None-Match -> 304) and a day of caching. GET /favicon.ico: the
// icon, where browsers look for it without being told.
#include "portal/assets.h"
#include "portal/context.h"

namespace latchkey::portal {

namespace {

Response ServeEmbedded(Context& ctx, const std::string& path) {
  const EmbeddedFile* file = FindEmbeddedFile(path);
  if (file == nullptr) {
    return ctx.Error(404, "not_found", "There is no file at this address.");
  }
  Response r;
  r.no_store = false;
  r.content_type = std::string(file->content_type);
  r.Header("ETag", std::string(file->etag));
  r.Header("Cache-Control", "public, max-age=86400");
  if (ctx.req().Header("If-None-Match").value_or("") == file->etag) {
    r.status = 304;
    r.content_type.clear();
    return r;
  }
  r.static_body = file->data;
  return r;
}

}  // namespace

Response StaticFile(Context& ctx) {
  return ServeEmbedded(ctx, "static/" + std::string(ctx.req().Param("*")));
}

Response Favicon(Context& ctx) {
  return ServeEmbedded(ctx, "static/favicon.ico");
}

}  // namespace latchkey::portal
