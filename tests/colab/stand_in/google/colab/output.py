"""Stand-in for ``google.colab.output``: the callbacks a notebook registers (notebook 09's live camera view).

In Colab, JavaScript in a cell's output calls them with ``google.colab.kernel.invokeFunction(name, args)``.
Here they are only kept, so a test can call one as the browser would.
"""

callbacks = {}


def register_callback(name, function):
    callbacks[name] = function
