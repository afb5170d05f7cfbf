{
  "targets": [
    {
      "target_name": "adjoint_native",
      "sources": ["addon.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "libraries": ["-ldl"]
    }
  ]
}
