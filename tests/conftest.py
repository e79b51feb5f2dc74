import matplotlib

# Tests draw without a display.
matplotlib.use("Agg")
