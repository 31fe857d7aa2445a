//! Short explanations of the words a student may not know, shown where the words appear.

/// A word the page explains where it uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    Nats,
    HeldOutElbo,
    PosteriorMean,
    Sigma,
    Beta,
    Gamma,
    Discriminator,
    Mlp,
    Convolutional,
    Idx,
    Latent,
}

impl Term {
    /// The word as the page writes it.
    pub fn name(self) -> &'static str {
        match self {
            Term::Nats => "a nat",
            Term::HeldOutElbo => "the held-out −ELBO",
            Term::PosteriorMean => "a posterior mean",
            Term::Sigma => "σ",
            Term::Beta => "β",
            Term::Gamma => "γ",
            Term::Discriminator => "the discriminator",
            Term::Mlp => "an MLP",
            Term::Convolutional => "a convolutional network",
            Term::Idx => "IDX",
            Term::Latent => "the latent space",
        }
    }

    pub const ALL: [Term; 11] = [
        Term::Nats,
        Term::HeldOutElbo,
        Term::PosteriorMean,
        Term::Sigma,
        Term::Beta,
        Term::Gamma,
        Term::Discriminator,
        Term::Mlp,
        Term::Convolutional,
        Term::Idx,
        Term::Latent,
    ];

    /// One or two sentences, for someone meeting the word for the first time.
    pub fn explanation(self) -> &'static str {
        match self {
            Term::Nats => {
                "A unit of information, like bits but with natural logarithms (1 nat ≈ 1.44 bits). Lower loss in nats means the model finds the images less surprising."
            }
            Term::HeldOutElbo => {
                "The loss (the negative evidence lower bound) on images the model never trains on. If it rises while the training loss falls, the model is memorising."
            }
            Term::PosteriorMean => {
                "Where the encoder thinks an image belongs in the latent space: the centre of the Gaussian q(z|x) it outputs for that image."
            }
            Term::Sigma => {
                "σ, the standard deviation: how unsure the encoder is about where an image goes. An ellipse of one σ is drawn around each point."
            }
            Term::Beta => {
                "β weighs the KL term, which pulls every image's posterior towards the prior N(0, 1). Higher β: a smoother, more regular latent space but blurrier images."
            }
            Term::Gamma => {
                "γ weighs how much the decoder tries to fool the discriminator, against how well it reconstructs."
            }
            Term::Discriminator => {
                "A second network that learns to tell real images from decoded ones. D loss is its loss; accuracy is how often it is right (50 % means it cannot tell)."
            }
            Term::Mlp => {
                "Multi-layer perceptron: every pixel connects to every unit of a hidden layer. Simple and fast."
            }
            Term::Convolutional => {
                "A network that slides small filters over the image, so it sees strokes and edges wherever they are. Slower, often sharper."
            }
            Term::Idx => {
                "The simple file format MNIST is distributed in: a small header, then the images' bytes."
            }
            Term::Latent => {
                "The latent space: the few numbers z the encoder compresses an image into, and the decoder draws an image from."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_term_is_explained_in_a_sentence_or_two() {
        for term in Term::ALL {
            let text = term.explanation();
            let sentences = text.matches(". ").count() + 1;
            assert!(
                text.ends_with('.') && (1..=2).contains(&sentences),
                "{term:?}: {text}"
            );
        }
    }
}
