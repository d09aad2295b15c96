// Python layers in programs that did not start Python themselves (the tools, a
// C++ program loading a net): the first layer of type "Python" loads
// libstrata_python.so from beside libstrata, which starts an embedded
// interpreter and imports the module strata, whose import registers the type.
// Programs whose nets have no Python layer never load it.
#pragma once

namespace strata {

// Idempotent and thread-safe. Throws ConfigError when Strata was built without
// Python or the interpreter or the module strata fails to start.
void StartEmbeddedPython();

}  // namespace strata
