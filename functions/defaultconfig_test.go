package functions_test

import (
	"bufio"
	"bytes"
	"slices"
	"strings"
	"testing"
)

// unlinked are the packages, with everything under them, that no Lambda
// function may link. Every package a binary imports is initialised at each
// cold start, used or not, and the SDK's clients build their operations'
// schemas and endpoint tables at initialisation: the SDK's config package
// (the default chain, with profiles, SSO and assume role, which the
// functions never use: awsconfig.FromEnv) brings the STS, SSO, SSO OIDC
// and sign-in clients, 0.46 MB of the 1.76 MB the checker allocated before
// main; the SSM and Secrets Manager clients were 1.56 MB more (lambdaenv
// makes their two requests itself: awsjson.go).
var unlinked = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/signin",
	"github.com/aws/aws-sdk-go-v2/service/ssm",
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager",
}

// TestFunctionsLinkNoDefaultConfig: none of the five functions imports,
// however indirectly, a package in unlinked (for linux/arm64 with the
// deployment's build tags). A failure names the import chain that brings
// the package in: the CLI and the tests load the default chain with
// shared/awsdefault, which no function may import.
func TestFunctionsLinkNoDefaultConfig(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range []string{"webhook", "tickets", "acknowledger", "checker", "oncall"} {
		t.Run(fn, func(t *testing.T) {
			imports := listImports(t, root, "./functions/"+fn)
			if len(imports) < 100 { // the SDK alone is more: the listing is wrong
				t.Fatalf("%d packages listed", len(imports))
			}
			for _, u := range unlinked {
				var found []string
				for p := range imports {
					if p == u || strings.HasPrefix(p, u+"/") {
						found = append(found, p)
					}
				}
				if len(found) == 0 {
					continue
				}
				// The shortest chain to any of them says what to cut.
				chains := make([][]string, len(found))
				for i, p := range found {
					chains[i] = importChain(imports, p)
				}
				chain := slices.MinFunc(chains, func(a, b []string) int { return len(a) - len(b) })
				t.Errorf("%s links %s (%d packages): %s", fn, u, len(found), strings.Join(chain, " → "))
			}
		})
	}
}

// listImports returns the import graph of the main package pkg: each
// package it depends on (and pkg itself, as "main") with its imports.
func listImports(t *testing.T, root, pkg string) map[string][]string {
	t.Helper()
	cmd := lambdaGoCommand(root, goTool(t), "list", "-deps", "-f", "{{if eq .Name \"main\"}}main{{else}}{{.ImportPath}}{{end}} {{join .Imports \" \"}}", pkg)
	cmd.Env = append(cmd.Env, "GOOS=linux", "GOARCH=arm64")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	imports := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 {
			imports[fields[0]] = fields[1:]
		}
	}
	if _, ok := imports["main"]; !ok {
		t.Fatalf("%s: no main package in the listing", pkg)
	}
	return imports
}

// importChain returns a shortest import chain from the main package to
// pkg (breadth first).
func importChain(imports map[string][]string, pkg string) []string {
	from := map[string]string{"main": ""}
	queue := []string{"main"}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == pkg {
			var chain []string
			for ; p != ""; p = from[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, q := range imports[p] {
			if _, seen := from[q]; !seen {
				from[q] = p
				queue = append(queue, q)
			}
		}
	}
	return []string{"(no chain from main)"}
}
