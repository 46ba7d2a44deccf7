#ifndef SOTTO_CFIDO2_SHIM_H
#define SOTTO_CFIDO2_SHIM_H
#include <fido.h>
#include <fido/credman.h>
#endif
