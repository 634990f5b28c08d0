"""mnist_app: read handwritten digits with a numpy network trained by backpropagation."""

__version__ = "0.1.0"
