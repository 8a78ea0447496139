// Chaos campaigns (Tools/chaos): hostile input, kill -9, and link faults against a real node.
print("fieldsync-chaos: not written yet")
