// Package hartest writes HAR exports for tests: a browser's record of
// requests made against a live test server, in the shape Chrome, Edge and
// Firefox save them.
package hartest

import (
	"encoding/json"
	"net/http"
)

// Entry is one request and its answer.
type Entry struct {
	Method, URL string
	// Headers are the request headers, in order.
	Headers [][2]string
	// Post is a form-encoded request body.
	Post   string
	Status int
}

type nv struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// JSON returns a HAR 1.2 log of entries, exported by creator
// ("WebInspector" for Chrome and Edge, "Firefox"). Every answer carries a
// Bearer challenge.
func JSON(creator string, entries []Entry) []byte {
	es := make([]map[string]any, 0, len(entries))
	for _, e := range entries {
		hs := make([]nv, 0, len(e.Headers))
		for _, h := range e.Headers {
			hs = append(hs, nv{h[0], h[1]})
		}
		req := map[string]any{"method": e.Method, "url": e.URL, "httpVersion": "HTTP/1.1", "headers": hs, "cookies": []nv{}, "queryString": []nv{}}
		if e.Post != "" {
			req["postData"] = map[string]any{"mimeType": "application/x-www-form-urlencoded", "text": e.Post}
		}
		es = append(es, map[string]any{
			"startedDateTime": "2026-03-14T15:00:00.000Z", "time": 12, "request": req,
			"response": map[string]any{"status": e.Status, "statusText": http.StatusText(e.Status), "httpVersion": "HTTP/1.1",
				"headers": []nv{{"WWW-Authenticate", `Bearer error="invalid_token"`}}, "cookies": []nv{},
				"content": map[string]any{"size": 0, "mimeType": "application/json"}, "redirectURL": ""},
			"timings": map[string]any{"send": 1, "wait": 10, "receive": 1},
		})
	}
	b, err := json.Marshal(map[string]any{"log": map[string]any{"version": "1.2",
		"creator": map[string]any{"name": creator, "version": "1"}, "entries": es}})
	if err != nil {
		panic(err) // Maps of strings and numbers always marshal.
	}
	return b
}
