print("segscope")
