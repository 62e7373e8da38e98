package main

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// TestCopyOnWrite: payloads rendered from shared fixtures, copying only
// what changes, are byte for byte those rendered from whole copies, with
// the same headers, for many conversations of every helpdesk; and no
// fixture changed on the way.
func TestCopyOnWrite(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cow, err := loadFixtures(root)
	if err != nil {
		t.Fatal(err)
	}
	deep, err := loadFixtures(root)
	if err != nil {
		t.Fatal(err)
	}
	deep.deep = true
	before := map[string]any{}
	for k, doc := range cow.docs {
		before[k] = clone(doc)
	}
	gc, gd := newGenerator(cow), newGenerator(deep)
	rc, rd := rand.New(rand.NewPCG(9, 9)), rand.New(rand.NewPCG(9, 9))
	now := time.Now()
	payloads := 0
	for range 40 {
		for _, v := range vendors {
			tc, err := gc.ticket(rc, v, now)
			if err != nil {
				t.Fatal(err)
			}
			td, err := gd.ticket(rd, v, now)
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.deliveries) != len(td.deliveries) {
				t.Fatalf("%s: %d webhooks, %d from whole copies", v.name, len(tc.deliveries), len(td.deliveries))
			}
			for i, d := range tc.deliveries {
				w := td.deliveries[i]
				if !bytes.Equal(d.body, w.body) || !equalHeaders(d.header, w.header) {
					t.Fatalf("%s webhook %d:\n got %s %v\nwant %s %v", v.name, i, d.body, d.header, w.body, w.header)
				}
				payloads++
			}
		}
	}
	if payloads < 40*len(vendors) {
		t.Errorf("only %d payloads compared", payloads)
	}
	for k, doc := range cow.docs {
		if !reflect.DeepEqual(doc, before[k]) {
			t.Errorf("fixture %s changed while rendering", k)
		}
	}
}

func equalHeaders(a, b http.Header) bool { return reflect.DeepEqual(a, b) }
