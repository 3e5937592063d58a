module github.com/netaio/aio

go 1.26.0
