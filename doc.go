// Package aio is Python asyncio's high-level toolkit, rebuilt as an idiomatic Go library.
package aio
