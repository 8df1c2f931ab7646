package doctest

import (
	"testing"

	"github.com/xk6-barrier/xk6-barrier/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }
