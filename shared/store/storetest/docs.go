package storetest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/slawatch/slawatch/shared/store"
)

// RunDocs runs the contract suite of store.Docs; its keys are fresh, so
// stores may share one table.
func RunDocs(t *testing.T, s store.Docs) {
	ctx := context.Background()
	key := func(name string) string { return fmt.Sprintf("slawatch/test/%s/%p/first_response/0", name, t) }

	t.Run("FirstWriteWins", func(t *testing.T) {
		k := key("first")
		if _, ok, err := s.GetDoc(ctx, k); ok || err != nil {
			t.Fatalf("a fresh key has a document: %v, %v", ok, err)
		}
		cur, stored, err := s.PutDocIfAbsent(ctx, k, []byte("a"))
		if err != nil || !stored || string(cur.Data) != "a" || cur.Version != 1 {
			t.Fatalf("first put: %+v, %v, %v", cur, stored, err)
		}
		cur, stored, err = s.PutDocIfAbsent(ctx, k, []byte("b"))
		if err != nil || stored || string(cur.Data) != "a" || cur.Version != 1 {
			t.Errorf("second put: %+v, %v, %v; want the first's", cur, stored, err)
		}
	})
	t.Run("ReplaceAppliesToTheVersionRead", func(t *testing.T) {
		k := key("replace")
		if ok, err := s.ReplaceDoc(ctx, k, 1, []byte("x")); ok || err != nil {
			t.Errorf("replace of nothing: %v, %v", ok, err)
		}
		_, _, _ = s.PutDocIfAbsent(ctx, k, []byte("v1"))
		if ok, err := s.ReplaceDoc(ctx, k, 1, []byte("v2")); !ok || err != nil {
			t.Fatalf("replace v1: %v, %v", ok, err)
		}
		if ok, _ := s.ReplaceDoc(ctx, k, 1, []byte("stale")); ok {
			t.Error("a replace of version 1 applied to version 2")
		}
		d, ok, err := s.GetDoc(ctx, k)
		if !ok || err != nil || string(d.Data) != "v2" || d.Version != 2 {
			t.Errorf("after replace: %+v, %v, %v", d, ok, err)
		}
	})
	t.Run("RacingFirstWritesOneWins", func(t *testing.T) {
		k := key("race")
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, stored, err := s.PutDocIfAbsent(ctx, k, []byte(fmt.Sprint(i))); err != nil {
					t.Error(err)
				} else if stored {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d first writes won, want 1", wins.Load())
		}
	})
	t.Run("RacingReplacesOneWins", func(t *testing.T) {
		k := key("race-replace")
		_, _, _ = s.PutDocIfAbsent(ctx, k, []byte("v1"))
		var wins atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ok, err := s.ReplaceDoc(ctx, k, 1, []byte(fmt.Sprint(i))); err != nil {
					t.Error(err)
				} else if ok {
					wins.Add(1)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d replaces of version 1 won, want 1", wins.Load())
		}
	})
}
