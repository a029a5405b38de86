module github.com/auditgrep/auditgrep

go 1.26
