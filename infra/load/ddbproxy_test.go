package main

import (
	"bytes"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestWeigh checks the write units the proxy counts against sizes worked
// out by hand: names and values' bytes, 1 unit per KB, doubled in a
// transaction.
func TestWeigh(t *testing.T) {
	state := func(n int) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'x'}, n)) }
	cases := []struct {
		op, body string
		want     map[string]float64
		puts     int
	}{
		// pk 2+5, sk 2+6, version 7+2 ("12": 1 byte per 2 digits, +1), state 5+1000: 1,029 bytes, 2 units.
		{"PutItem", `{"Item":{"pk":{"S":"T#a#1"},"sk":{"S":"TICKET"},"version":{"N":"12"},"state":{"B":"` + state(1000) + `"}}}`,
			map[string]float64{"T": 2}, 1},
		// 981 bytes of state: 1,010 bytes, 1 unit.
		{"PutItem", `{"Item":{"pk":{"S":"T#a#1"},"sk":{"S":"TICKET"},"version":{"N":"12"},"state":{"B":"` + state(981) + `"}}}`,
			map[string]float64{"T": 1}, 1},
		// A transaction: the ticket (1 KB, doubled) and a record (doubled), an update counted as 1 KB doubled.
		{"TransactWriteItems", `{"TransactItems":[{"Put":{"Item":{"pk":{"S":"E#a#e1"},"expires_at":{"N":"1764000000"}}}},` +
			`{"Put":{"Item":{"pk":{"S":"T#a#1"},"state":{"B":"` + state(100) + `"}}}},{"Update":{"Key":{"pk":{"S":"H#A#2026-11"}}}}]}`,
			map[string]float64{"E": 2, "T": 2, "H": 2}, 1},
		{"GetItem", `{"Key":{"pk":{"S":"T#a#1"}}}`, map[string]float64{}, 0},
	}
	for _, c := range cases {
		p := &ddbProxy{writes: writeUnits{byKind: map[string]float64{}}}
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		r.Header.Set("X-Amz-Target", "DynamoDB_20120810."+c.op)
		p.weigh(r)
		w := p.writeUnitsSoFar()
		if len(w.byKind) != len(c.want) || w.ticketPuts != c.puts {
			t.Errorf("%s: %v, %d ticket puts; want %v, %d", c.op, w.byKind, w.ticketPuts, c.want, c.puts)
			continue
		}
		for k, u := range c.want {
			if w.byKind[k] != u {
				t.Errorf("%s: %v, want %v", c.op, w.byKind, c.want)
			}
		}
	}
}
