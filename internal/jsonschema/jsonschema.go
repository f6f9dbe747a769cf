// Package jsonschema validates JSON documents against the small part of
// JSON Schema that fix401's documented schemas use, for tests: no module
// outside the standard library is needed.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"sort"
	"strings"
	"time"
)

// Schema is the small part of JSON Schema (draft 2020-12) that
// docs/report.schema.json uses: type, const, enum, properties, required,
// additionalProperties, items, oneOf, $ref into $defs, minimum, maximum
// and format date-time. Anything else in a schema is an error, so that the
// schema cannot silently use a keyword this validator ignores.
type Schema struct {
	root map[string]any
}

var knownKeywords = map[string]bool{
	"$schema": true, "$id": true, "title": true, "description": true, "$defs": true,
	"type": true, "const": true, "enum": true, "properties": true, "required": true,
	"additionalProperties": true, "items": true, "oneOf": true, "$ref": true,
	"minimum": true, "maximum": true, "format": true,
}

// Load reads a schema file.
func Load(path string) (*Schema, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("jsonschema: %w", err)
	}
	var root map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("jsonschema: %s: %w", path, err)
	}
	return &Schema{root: root}, nil
}

// Validate returns every violation of the document against the schema.
func (s *Schema) Validate(doc []byte) []string {
	var v any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return []string{err.Error()}
	}
	var errs []string
	s.check(s.root, v, "$", &errs)
	return errs
}

func (s *Schema) resolve(ref string) map[string]any {
	name, ok := strings.CutPrefix(ref, "#/$defs/")
	if !ok {
		return nil
	}
	defs, _ := s.root["$defs"].(map[string]any)
	d, _ := defs[name].(map[string]any)
	return d
}

func typeOf(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) && !strings.ContainsAny(x.String(), ".eE") {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func typeMatches(want, got string) bool {
	return want == got || (want == "number" && got == "integer")
}

func (s *Schema) check(sch map[string]any, v any, path string, errs *[]string) {
	fail := func(format string, a ...any) { *errs = append(*errs, path+": "+fmt.Sprintf(format, a...)) }
	for k := range sch {
		if !knownKeywords[k] {
			fail("the schema uses %q, which this validator does not know", k)
		}
	}
	if ref, ok := sch["$ref"].(string); ok {
		d := s.resolve(ref)
		if d == nil {
			fail("unresolvable $ref %q", ref)
			return
		}
		s.check(d, v, path, errs)
	}
	if one, ok := sch["oneOf"].([]any); ok {
		n := 0
		for _, alt := range one {
			var sub []string
			s.check(alt.(map[string]any), v, path, &sub)
			if len(sub) == 0 {
				n++
			}
		}
		if n != 1 {
			fail("matches %d of the oneOf alternatives, not exactly 1", n)
		}
	}
	got := typeOf(v)
	switch t := sch["type"].(type) {
	case string:
		if !typeMatches(t, got) {
			fail("is %s, want %s", got, t)
			return
		}
	case []any:
		ok := false
		for _, x := range t {
			ok = ok || typeMatches(x.(string), got)
		}
		if !ok {
			fail("is %s, want one of %v", got, t)
			return
		}
	}
	if c, ok := sch["const"]; ok && !jsonEqual(c, v) {
		fail("is %v, want %v", v, c)
	}
	if e, ok := sch["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || jsonEqual(x, v)
		}
		if !found {
			fail("%v is not one of %v", v, e)
		}
	}
	if f, ok := sch["format"].(string); ok && f == "date-time" {
		if str, ok := v.(string); ok {
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				fail("%q is not a date-time", str)
			}
		}
	}
	if n, ok := v.(json.Number); ok {
		x, _ := n.Float64()
		if m, ok := sch["minimum"].(json.Number); ok {
			if mf, _ := m.Float64(); x < mf {
				fail("%v is below the minimum %v", x, mf)
			}
		}
		if m, ok := sch["maximum"].(json.Number); ok {
			if mf, _ := m.Float64(); x > mf {
				fail("%v is above the maximum %v", x, mf)
			}
		}
	}
	if obj, ok := v.(map[string]any); ok {
		props, _ := sch["properties"].(map[string]any)
		if req, ok := sch["required"].([]any); ok {
			for _, r := range req {
				if _, has := obj[r.(string)]; !has {
					fail("lacks the required %q", r)
				}
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := props[k]; ok {
				s.check(p.(map[string]any), obj[k], path+"."+k, errs)
				continue
			}
			switch ap := sch["additionalProperties"].(type) {
			case bool:
				if !ap {
					fail("has %q, which the schema does not list", k)
				}
			case map[string]any:
				s.check(ap, obj[k], path+"."+k, errs)
			}
		}
	}
	if arr, ok := v.([]any); ok {
		if items, ok := sch["items"].(map[string]any); ok {
			for i, x := range arr {
				s.check(items, x, fmt.Sprintf("%s[%d]", path, i), errs)
			}
		}
	}
}

func jsonEqual(a, b any) bool {
	if an, ok := a.(json.Number); ok {
		if bn, ok := b.(json.Number); ok {
			af, _ := an.Float64()
			bf, _ := bn.Float64()
			return af == bf
		}
		return false
	}
	return reflect.DeepEqual(a, b)
}
