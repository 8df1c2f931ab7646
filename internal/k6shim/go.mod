module go.k6.io/k6/v2

go 1.25.0
