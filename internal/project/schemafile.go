package project

import _ "embed"

// SchemaJSON is schema.json, the JSON Schema (draft 2020-12) of the project document. The API's
// OpenAPI document is built from it, so the two cannot drift apart.
//
//go:embed schema.json
var SchemaJSON []byte
