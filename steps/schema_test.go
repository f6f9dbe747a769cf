package steps_test

import (
	"path/filepath"
	"testing"

	"github.com/fix401/fix401/internal/jsonschema"
)

func loadSchema(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	s, err := jsonschema.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSchemaValidatorCatches makes sure the validator itself fails on
// documents that break the schema, so that a passing validation means
// something.
func TestSchemaValidatorCatches(t *testing.T) {
	s := loadSchema(t, filepath.Join("..", "docs", "report.schema.json"))
	for _, doc := range []string{
		`{}`,
		`{"schema": 2}`,
		`[]`,
	} {
		if errs := s.Validate([]byte(doc)); len(errs) == 0 {
			t.Errorf("%s passed the schema", doc)
		}
	}
}
