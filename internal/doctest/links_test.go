package doctest

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// linkRE finds Markdown links and images: [text](target) and ![alt](target).
var linkRE = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// inlineCodeRE is inline code, whose text is not a link.
var inlineCodeRE = regexp.MustCompile("`[^`]*`")

// TestLinks: every relative link of README.md and docs/*.md names a file of the repository, and every
// #anchor (in the same document or another one) is a heading there, by GitHub's slug rules.
func TestLinks(t *testing.T) {
	t.Parallel()
	for _, file := range docFiles(t) {
		for _, bad := range brokenLinks(t, file, readDoc(t, file)) {
			t.Errorf("%s", bad)
		}
	}
}

// brokenLinks returns a line per link of the document file (text) that does not resolve.
func brokenLinks(t *testing.T, file, text string) []string {
	t.Helper()
	var bad []string
	for n, line := range outsideFences(text) {
		line = inlineCodeRE.ReplaceAllString(line, "")
		for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if msg := checkLink(t, file, text, target); msg != "" {
				bad = append(bad, file+":"+itoa(n)+": link "+target+": "+msg)
			}
		}
	}
	return bad
}

// checkLink says what is wrong with the relative link target of the document file, "" if nothing.
func checkLink(t *testing.T, file, text, target string) string {
	t.Helper()
	p, anchor, _ := strings.Cut(target, "#")
	doc := text
	if p != "" {
		resolved := path.Clean(path.Join(path.Dir(file), p))
		if strings.HasPrefix(resolved, "../") {
			return "points outside the repository"
		}
		st, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(resolved)))
		if err != nil {
			return "no such file (" + resolved + ")"
		}
		if anchor == "" {
			return ""
		}
		if st.IsDir() || !strings.HasSuffix(resolved, ".md") {
			return "an anchor into a file that is not Markdown"
		}
		doc = readDoc(t, resolved)
	}
	if anchor != "" && !anchors(doc)[anchor] {
		return "no heading with the anchor #" + anchor
	}
	return ""
}

// TestLinkCheckerCatches: the checker finds a missing file and a missing anchor, and GitHub's slugs.
func TestLinkCheckerCatches(t *testing.T) {
	t.Parallel()
	text := "# k6/x/barrier\n## arrive(options?) and leave(id?): the rendezvous\n## Metrics\n## Metrics\n" +
		"[a](#k6xbarrier) [b](#arriveoptions-and-leaveid-the-rendezvous) [c](#metrics-1) [d](#nope)\n" +
		"[e](docs/no-such.md) [f](LICENSE) `[g](#in-code)`\n```\n[h](#in-fence)\n```\n"
	bad := brokenLinks(t, "README.md", text)
	assert.Len(t, bad, 2, "%q", bad)
	assert.Contains(t, strings.Join(bad, "\n"), "#nope")
	assert.Contains(t, strings.Join(bad, "\n"), "docs/no-such.md")
}
