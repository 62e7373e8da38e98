package builtin_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/provider/builtin"
)

// The configuration accepts exactly the providers that have an adapter, and
// the default configuration has one source per provider, named after it.
func TestEveryProviderHasAnAdapter(t *testing.T) {
	adapters := slices.Sorted(maps.Keys(builtin.Adapters()))
	known := slices.Sorted(slices.Values(policy.Providers))
	if !slices.Equal(adapters, known) {
		t.Errorf("adapters %v, config providers %v", adapters, known)
	}
	for _, p := range policy.Providers {
		if src, ok := policy.Default().Sources[p]; !ok || src.Provider != p {
			t.Errorf("default config: source %q = %+v", p, src)
		}
	}
}
