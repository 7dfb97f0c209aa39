#include "autograd/grad_ready.h"

namespace fb::autograd {

namespace {
thread_local GradReadyObserver* current = nullptr;
}

GradReadyObserver::GradReadyObserver(GradReadyFn fn) : fn_(std::move(fn)), prev_(current) { current = this; }

GradReadyObserver::~GradReadyObserver() { current = prev_; }

void notify_grad_ready(const TensorImpl* leaf) {
  if (current && current->fn_) current->fn_(leaf);
}

}  // namespace fb::autograd
