package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestDevTestHooksFlag: --allow-test-hooks reaches the stack's config and stays out of the help.
func TestDevTestHooksFlag(t *testing.T) {
	for _, args := range [][]string{nil, {"--allow-test-hooks"}} {
		cmd := &cobra.Command{Use: "dev"}
		var f devFlags
		f.register(cmd, false)
		if err := cmd.ParseFlags(args); err != nil {
			t.Fatal(err)
		}
		if got, want := f.config().AllowTestHooks, len(args) == 1; got != want {
			t.Errorf("args %v: AllowTestHooks %v, want %v", args, got, want)
		}
		if strings.Contains(cmd.UsageString(), "allow-test-hooks") {
			t.Error("the test-only flag shows in the help")
		}
	}
}
