/*
 * The one native addon: loads shared libraries that the C backend built and calls their
 * gradient functions on typed-array buffers in place (no copies, no per-graph N-API code).
 *
 *   open(path)                 -> library handle (dlopen; throws with dlerror's text)
 *   symbol(library, name)      -> function handle (dlsym)
 *   call(fn, x, g, t)          -> f    fn: double (*)(const double *, double *, double *)
 *   callF32(fn, x, g, t)       -> f    fn: float  (*)(const float *, float *, float *)
 *   bind(fn, x, g, t, f32)     -> bound: fn and three arrays, looked up once
 *   run(bound)                 -> f    the bound call: no typed-array lookups per call
 *
 * x, g and t are Float64Arrays (Float32Arrays for callF32); their lengths are the caller's
 * business (the JS side checks them once, when it binds a kernel). Libraries stay loaded
 * for the life of the process: a rebuilt graph gets a new, content-hashed file name.
 */
#include <dlfcn.h>
#include <node_api.h>
#include <stddef.h>
#include <stdlib.h>

typedef double (*grad_f64)(const double *, double *, double *);
typedef float (*grad_f32)(const float *, float *, float *);

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), "ADJOINT_NATIVE", "N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static napi_value open_library(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  size_t len = 0;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len + 1 >= sizeof path) {
    napi_throw_type_error(env, "ADJOINT_NATIVE", "open(path): path must be a string shorter than 4096 bytes");
    return NULL;
  }
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) {
    const char *why = dlerror();
    napi_throw_error(env, "ADJOINT_NATIVE", why != NULL ? why : "dlopen failed");
    return NULL;
  }
  napi_value handle;
  CHECK(env, napi_create_external(env, lib, NULL, NULL, &handle));
  return handle;
}

static napi_value find_symbol(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  void *lib = NULL;
  char name[256];
  size_t len = 0;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_external(env, argv[0], &lib) != napi_ok
      || napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok || len + 1 >= sizeof name) {
    napi_throw_type_error(env, "ADJOINT_NATIVE", "symbol(library, name): a handle from open() and a name shorter than 256 bytes");
    return NULL;
  }
  dlerror();
  void *fn = dlsym(lib, name);
  if (fn == NULL) {
    const char *why = dlerror();
    napi_throw_error(env, "ADJOINT_NATIVE", why != NULL ? why : "dlsym found no such symbol");
    return NULL;
  }
  napi_value handle;
  CHECK(env, napi_create_external(env, fn, NULL, NULL, &handle));
  return handle;
}

/* The data pointer of typed array `v` if it has type `want`, else NULL. */
static void *buffer_of(napi_env env, napi_value v, napi_typedarray_type want) {
  napi_typedarray_type type;
  size_t length;
  void *data = NULL;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok || type != want) return NULL;
  return data;
}

/*
 * A call: the function and its three arrays. call() reads one per call; a bound call keeps
 * one (bind/run): most of call()'s ~150 ns is looking up the typed arrays, so a kernel with
 * small arrays binds its own once and copies values in and out (the JS side keeps the
 * arrays alive; V8 never moves the backing store of a live, undetached ArrayBuffer).
 */
typedef struct {
  void *fn, *x, *g, *t;
  int f32;
} bound_call;

/* argv[0..3] = fn handle and three typed arrays of the precision; 0 when any is wrong. */
static int read_call(napi_env env, const napi_value *argv, int f32, bound_call *c) {
  napi_typedarray_type type = f32 ? napi_float32_array : napi_float64_array;
  c->f32 = f32;
  c->x = buffer_of(env, argv[1], type);
  c->g = buffer_of(env, argv[2], type);
  c->t = buffer_of(env, argv[3], type);
  return napi_get_value_external(env, argv[0], &c->fn) == napi_ok && c->x != NULL && c->g != NULL && c->t != NULL;
}

static napi_value invoke(napi_env env, const bound_call *c) {
  double f = c->f32 ? (double)((grad_f32)c->fn)(c->x, c->g, c->t) : ((grad_f64)c->fn)(c->x, c->g, c->t);
  napi_value result;
  CHECK(env, napi_create_double(env, f, &result));
  return result;
}

static napi_value call_any(napi_env env, napi_callback_info info, int f32) {
  size_t argc = 4;
  napi_value argv[4];
  bound_call c;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 4 || !read_call(env, argv, f32, &c)) {
    napi_throw_type_error(env, "ADJOINT_NATIVE", f32 ? "callF32(fn, x, g, t): a handle from symbol() and three Float32Arrays"
                                                      : "call(fn, x, g, t): a handle from symbol() and three Float64Arrays");
    return NULL;
  }
  return invoke(env, &c);
}

static void free_bound(napi_env env, void *data, void *hint) {
  (void)env; (void)hint;
  free(data);
}

static napi_value bind_call(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  bound_call b;
  bool f32 = false;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 5 || napi_get_value_bool(env, argv[4], &f32) != napi_ok || !read_call(env, argv, f32, &b)) {
    napi_throw_type_error(env, "ADJOINT_NATIVE", "bind(fn, x, g, t, f32): a handle from symbol(), three typed arrays of the precision, a boolean");
    return NULL;
  }
  bound_call *heap = malloc(sizeof *heap);
  if (heap == NULL) {
    napi_throw_error(env, "ADJOINT_NATIVE", "out of memory");
    return NULL;
  }
  *heap = b;
  napi_value handle;
  if (napi_create_external(env, heap, free_bound, NULL, &handle) != napi_ok) {
    free(heap);
    napi_throw_error(env, "ADJOINT_NATIVE", "N-API call failed: napi_create_external");
    return NULL;
  }
  return handle;
}

static napi_value run_bound(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ADJOINT_NATIVE", "run(bound): a handle from bind()");
    return NULL;
  }
  return invoke(env, data);
}

static napi_value call_f64(napi_env env, napi_callback_info info) { return call_any(env, info, 0); }
static napi_value call_f32(napi_env env, napi_callback_info info) { return call_any(env, info, 1); }

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"open", NULL, open_library, NULL, NULL, NULL, napi_enumerable, NULL},
    {"symbol", NULL, find_symbol, NULL, NULL, NULL, napi_enumerable, NULL},
    {"call", NULL, call_f64, NULL, NULL, NULL, napi_enumerable, NULL},
    {"callF32", NULL, call_f32, NULL, NULL, NULL, napi_enumerable, NULL},
    {"bind", NULL, bind_call, NULL, NULL, NULL, napi_enumerable, NULL},
    {"run", NULL, run_bound, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
