// Trains a small ResNet-18 on a toy task using only the installed facebench
// runtime: images whose class is the quadrant holding a bright square.
// Prints the loss per step; exits non-zero unless the loss fell.
#include <cstdio>

#include "autograd/engine.h"
#include "nn/optim.h"
#include "nn/resnet.h"

int main() {
  using namespace fb;
  const int64_t n = 32, size = 32, classes = 4;
  Generator gen(1);
  Tensor x = ops::mul_scalar(randn({n, size, size, 3}, gen), 0.1);
  Tensor y = Tensor::empty({n}, DType::i64);
  for (int64_t i = 0; i < n; ++i) {
    int64_t c = i % classes;
    y.data<int64_t>()[i] = c;
    // A bright 8x8 square in quadrant c.
    fill_(x.select(0, i).slice(0, (c / 2) * 16 + 4, (c / 2) * 16 + 12).slice(1, (c % 2) * 16 + 4, (c % 2) * 16 + 12), 1.5);
  }

  nn::manual_seed(0);
  nn::ResNetConfig cfg;
  cfg.arch = "resnet18";
  cfg.width = 0.25;
  cfg.num_classes = classes;
  cfg.small_input = true;
  auto net = nn::make_resnet(cfg);
  nn::SGD opt(net->parameters(), 0.05, nn::SGDOptions{0.9, 0.0, 0.0, false});

  double first = 0, last = 0;
  for (int step = 0; step < 30; ++step) {
    Tensor loss = cross_entropy(net->forward(x), y);
    opt.zero_grad();
    autograd::backward(loss);
    opt.step();
    last = loss.item();
    if (step == 0) first = last;
    std::printf("step %2d  loss %.4f\n", step, last);
  }
  std::printf("loss %.4f -> %.4f\n", first, last);
  return last < 0.5 * first ? 0 : 1;
}
