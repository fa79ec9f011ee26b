package protocol

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite test/fixtures/probe/protocol.ndjson")

const fixture = "../../../test/fixtures/probe/protocol.ndjson"

// The TypeScript decoder (src/core/probe/schemas.ts and decode.ts) is tested against this
// file, so the file must be exactly what the Go types encode: a change on one side fails a
// test until the other side follows.
func TestFixtureUpToDate(t *testing.T) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for _, ex := range Examples() {
		if err := enc.Encode(ex); err != nil {
			t.Fatal(err)
		}
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(fixture), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fixture, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatalf("%v (run: cd native && go test ./internal/protocol -update)", err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Fatalf("%s is stale: the Go protocol changed; run `cd native && go test ./internal/protocol -update` and update src/core/probe/schemas.ts to match", fixture)
	}
}

func TestEveryLineHasHeader(t *testing.T) {
	seen := map[string]bool{}
	for _, ex := range Examples() {
		b, _ := json.Marshal(ex)
		var h map[string]any
		if err := json.Unmarshal(b, &h); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"v", "type", "ts", "node"} {
			if _, ok := h[k]; !ok {
				t.Errorf("%s line without %q", h["type"], k)
			}
		}
		seen[h["type"].(string)] = true
	}
	for _, ty := range Types {
		if !seen[ty] {
			t.Errorf("no example of type %q", ty)
		}
	}
}
