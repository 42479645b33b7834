// Whether a YAML or JSON file may be a Press document: a generous, cheap look at its top-level
// keys, so that the extension starts `blocklint lsp` only in workspaces that hold one. It must
// never miss a document blocklint would check (tests/test_vscode_extension.py holds it to
// blocklint's own detection over the examples and the rule cases); a false alarm only starts
// the server, which then leaves files that are not Press documents alone.

const CLAIM = /^\s*#.*blocklint:\s*kind\s*=/m;
const FALLBACK = /fallback[^/\\]*\.(ya?ml|json)$/i;
const JSON_KEY = /^[ \t]{0,4}"([^"]*)"\s*:/gm;
const YAML_KEY = /^(?:"([^"]*)"|'([^']*)'|([^\s#:'"{[\-][^:#]*?))\s*:(?:\s|$)/gm;
// Keys only Press documents have at their top: a `peak` CLI file's `body`, revisions, apps.
const PRESS_KEYS = ["body", "appParameters", "blocksConfig", "revision", "release"];
const VALUES_KEYS = new Set(["parameters", "metadata", "featured", "scope", "tenants"]);
const DEPLOYMENT_METADATA_KEYS = new Set(["name", "title", "summary", "description", "descriptionContentType",
  "imageUrl", "tags"]);
const OWN_DEPLOYMENT_METADATA_KEYS = ["title", "summary", "descriptionContentType", "imageUrl", "tags"];

function topLevelKeys(text) {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{")) {
    try {
      const data = JSON.parse(text);
      return data && typeof data === "object" && !Array.isArray(data) ? new Set(Object.keys(data)) : new Set();
    } catch (error) {
      // JSON with a comment or a trailing comma (YAML reads it), or a document being typed:
      // the keys of its first indentation
    }
    return new Set([...text.matchAll(JSON_KEY)].map((match) => match[1]));
  }
  const keys = new Set();
  for (const match of text.matchAll(YAML_KEY)) {
    keys.add((match[1] ?? match[2] ?? match[3]).trim());
  }
  return keys;
}

function mayBePress(text, fileName = "") {
  if (CLAIM.test(text) || FALLBACK.test(fileName)) {
    return true;
  }
  const keys = topLevelKeys(text);
  const has = (key) => keys.has(key);
  const within = (allowed) => keys.size > 0 && [...keys].every((key) => allowed.has(key));
  return PRESS_KEYS.some(has)
    || ((has("kind") || has("spec")) && !has("apiVersion"))  // a spec or deployment, not a Kubernetes object
    || ((has("parameters") || has("metadata")) && within(VALUES_KEYS))
    || (within(DEPLOYMENT_METADATA_KEYS) && OWN_DEPLOYMENT_METADATA_KEYS.some(has));
}

module.exports = { mayBePress, topLevelKeys };
